/**
 * ESLint rule `loadnet/import-boundaries`: each area of the code (a folder such as `src/node/`, or one file)
 * imports only what its entry in eslint.config.js allows (docs/ARCHITECTURE.md, "Import boundaries").
 *
 * Relative specifiers are resolved against the importing file, so `../chain/tx.js` means the same target
 * from `src/node/x.ts` as `../../chain/tx.js` from `src/node/p2p/y.ts` (eslint's no-restricted-imports
 * matches the text of the specifier, which cannot say that, and does not see `import()`). Every form counts:
 * `import`, `import type`, `export … from`, `import()` and `typeof import()`; an `import()` whose path is not
 * a string literal cannot be checked and is an error, except in the areas listed in `userModules` (those that
 * load a user's own module by its path). Package specifiers ('undici', 'node:fs', 'loadnet') are not this
 * rule's business.
 *
 * Options: { root: absolute repo path, areas: { '<area>': ['<allowed area or file>', ...] }, userModules?: [area] },
 * where an area ending in '/' is a folder and anything else one file; a file belongs to the longest area
 * containing it.
 */
import path from 'node:path';

const contains = (area, file) => (area.endsWith('/') ? file.startsWith(area) : file === area);

/** @type {import('eslint').Rule.RuleModule} */
export const importBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'each area of the code imports only the areas its boundary allows' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          areas: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
          userModules: { type: 'array', items: { type: 'string' } },
        },
        required: ['root', 'areas'],
        additionalProperties: false,
      },
    ],
    messages: {
      crossing:
        '{{area}} may not import {{target}}: it may import only {{allowed}} (docs/ARCHITECTURE.md, "Import boundaries"). If the crossing is intended, change the boundary in eslint.config.js and the table in docs/ARCHITECTURE.md together.',
      computed: '{{area}}: import() with a computed path cannot be checked against the import boundaries; use a string literal.',
    },
  },
  create(context) {
    const { root, areas, userModules = [] } = context.options[0];
    const fromRoot = (abs) => path.relative(root, abs).split(path.sep).join('/');
    const file = fromRoot(context.filename);
    const area = Object.keys(areas)
      .filter((a) => contains(a, file))
      .sort((a, b) => b.length - a.length)[0];
    if (area === undefined) return {};
    const allowed = areas[area];

    const check = (source) => {
      if (!source) return;
      let specifier;
      if (source.type === 'Literal' && typeof source.value === 'string') specifier = source.value;
      else if (source.type === 'TemplateLiteral' && source.expressions.length === 0) specifier = source.quasis[0].value.cooked;
      else if (source.type === 'TSLiteralType') return check(source.literal);
      else if (userModules.includes(area)) return;
      else return context.report({ node: source, messageId: 'computed', data: { area } });
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) return;
      // TypeScript sources import their siblings as .js.
      const target = fromRoot(path.resolve(path.dirname(context.filename), specifier)).replace(/\.js$/, '.ts');
      if (contains(area, target) || allowed.some((a) => contains(a, target))) return;
      context.report({ node: source, messageId: 'crossing', data: { area, target, allowed: allowed.length > 0 ? allowed.join(', ') : 'nothing outside itself' } });
    };

    return {
      ImportDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
      TSImportType: (n) => check(n.argument),
    };
  },
};
