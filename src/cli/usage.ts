/**
 * Help texts of the commands, apart from the commands' code so `loadnet --help` loads nothing else.
 */

export const RUN_USAGE = `loadnet run <scenario.json | module.ts | module.js | x.feature | dir/> [options]
  Deploy the scenario's topology, run its workloads for the window and the cooldown, judge every expectation,
  write the run directory (summary.json, events.jsonl, report.html, junit.xml) and print the verdict.
  A module exports (default, \`scenario\` or \`scenarios\`) a built Scenario, a ScenarioBuilder, a spec, an array
  of them (run in order), or a function returning one. A .feature file (or a directory: every .feature below
  it) runs each Gherkin scenario in turn and writes <out>/<time>-features.junit.xml (steps: \`loadnet steps\`).

  --deployer local|compose|swarm  where nodes run (default local: child processes on 127.0.0.1; swarm: services
                             on the Docker Swarm whose manager is DOCKER_HOST, the other hosts' engine sockets
                             in LOADNET_SWARM_ENGINES=/a.sock,/b.sock; docs/swarm.md)
  --attach <url,url,...>     run against nodes that already run (no deploy, no teardown, no node control)
  --keys <file>              with --attach: wallet seeds (JSON array of 64-hex seeds); default: derived
  --wallet-seed <n>          with --attach: derive wallets from this seed (default: the scenario's)
  --chain <type>             the chain under test (overrides the scenario's chain.type): devnet (default), evm
  --mnemonic "<words>"       chain evm: the wallets' BIP-39 mnemonic (m/44'/60'/0'/0/i; default anvil's dev one)
  --duration <duration>      override the run window, e.g. 30s, 5m
  --cooldown <duration>      override the cooldown after the window
  --seed <n>                 override the seed (keys, wallets, random choices)
  --out <dir>                parent of run directories (default runs)
  --require <module>         import a plug-in (registers custom workloads/expectations) before the scenario;
                             repeatable; a path (.ts through tsx) or a package name. A JSON scenario can list
                             its own in "plugins" (relative to the scenario file)
  --agent <host:port>        run the transaction load on this load agent (\`loadnet agent\`); repeatable, replaces
                             the scenario's "agents" addresses (docs/agents.md)
  --agent-loss fail|continue a lost agent stops the load (fail, default) or the others go on (continue)
  --tags <expression>        feature files: run the scenarios whose tags match, e.g. "@smoke and not @slow"
  --dry-run                  load and validate only: print the resolved spec(s) as JSON, deploy nothing
  --json                     print the summary (or a list of summaries) as JSON on stdout, nothing else
  --no-progress              no live progress line
  --verbose                  stacks on errors
  -h, --help                 this text

Exit codes: 0 every expectation passed, 1 an expectation failed (or could not be judged), 2 usage or scenario
error, 3 deploy or infrastructure error, 130 interrupted.`;

export const NODE_USAGE = `loadnet node --config <node-config.json>
  Run one devnet node from its config file (written by a deployer into runs/<run>/nodes/<name>/config.json;
  the format is NodeConfig in src/node/config.ts). Stops cleanly on SIGTERM/SIGINT.`;

export const CLEAN_USAGE = `loadnet clean [--docker] [--json]
  Remove leftovers of earlier runs whose coordinator is gone: node processes, port reservations
  and (with --docker) the containers, networks and volumes labelled by loadnet on DOCKER_HOST's engine, and
  when that engine is a swarm manager the swarm runs' services and secrets. Active runs are left alone.
  Every run start already sweeps local leftovers (node processes, paused ones too, port reservations,
  registry entries) and says what it swept: clean is for the rest.`;

export const REPORT_USAGE = `loadnet report <run directory>
  Re-render report.html and junit.xml from the run directory's summary.json and events.jsonl.`;

export const CHECK_USAGE = `loadnet check <run directory> [--scenario x.json] [--expect <name>.<option>=<value> …] [--json]
  Re-judge a saved run from its record alone (events.jsonl, scenario.json): every built-in expectation again,
  with the options the run used, or those of --scenario x.json, or changed by --expect (repeatable), e.g.
  --expect tx-inclusion.threshold=0.99 --expect mempool-bounded.maxPending=500; --expect mempool-bounded
  adds it to a run that did not have it (it reads only the node samples every run records).
  Writes check-<UTC time>/{summary.json,report.html,junit.xml} in the run directory; the run's own files are
  untouched. Exit 0 when every expectation passes, 1 when one fails or is unknown, 2 for a usage error
  (not a run directory, a run recorded by an older loadnet, a bad --expect).`;

export const STEPS_USAGE = `loadnet steps [--json]
  Every Gherkin step \`loadnet run x.feature\` understands, grouped, with an example and what it does in the DSL.
  Environment: LOADNET_DEPLOYER (the deployer of \`we have a CLI deployer specified\` without --deployer),
  LOADNET_MAX_DURATION (caps every run window and max-rate hold of the feature files, e.g. 10s in CI).`;

export const RENDER_USAGE = `loadnet render k8s <scenario.json | module.ts> [options]
  Write the scenario's devnet as Kubernetes manifests (nothing is applied): per node a StatefulSet, a headless
  Service and a Secret with its config; a ConfigMap with the scenario and a Job that runs it against the nodes
  (\`loadnet run --attach\`). See docs/kubernetes.md for what has and has not been run on a cluster.

  -o, --out <file|->         where to write the manifests (default - : stdout)
  --scenario <name>          the scenario to render when the file holds several
  --image <ref>              image with loadnet (default: the node image a compose run builds from this package)
  --package-dir <dir>        where loadnet lives inside --image (default: as loadnet lays out its own image)
  --genesis-in <duration>    the chain starts this long after rendering (default 10m)
  --genesis-at <ISO time>    or at this time
  --name-prefix <label>      prefix of object names (default: the scenario's name)
  --cpu <q> --memory <q>     requests per node container (default 500m, 512Mi)
  --cpu-limit <q> --memory-limit <q>   limits (default none)
  --storage <q>              each node's data volume (default 1Gi); --storage-class <name>
  --runs-claim <pvc>         keep the Job's run directory on this PersistentVolumeClaim (default: the summary
                             is the Job's log, the directory goes with the pod)
  --no-job                   nodes only (a scenario with chaos or custom code needs this)`;

export const AGENT_USAGE = `loadnet agent [--listen host:port] [--once]
  A load agent: a coordinator (\`loadnet run/max-rate/soak --agent host:port\`, a scenario's "agents", the load
  engine's \`agents\` option) hands it shards of its wallets and schedule; it signs and sends them from this
  host's worker threads and streams interval reports back. The coordinator measures this host's clock offset and
  corrects latency for it. Run the same loadnet version on both sides (docs/agents.md).

  --listen host:port         where to listen (default 127.0.0.1:7400; port 0: any free port, printed on stdout)
  --once                     exit after the first coordinator's session`;

export const COMPARE_USAGE = `loadnet compare <baseline run dir> <run dir> [more run dirs…] [options]
  Compare saved runs, each against the first: throughput offered and included, inclusion, finality and submit
  latency p50/p99, error and reject rates, block interval, reorgs, node memory, and a max-rate run's found
  maximum. Each figure gets a confidence interval by batch means (the run's window cut into batches of equal
  time; Student's t), the difference Welch's interval, and a verdict: better, worse or no significant
  difference. What differs between the runs' scenarios is printed before any number.

  --confidence <p>           two-sided confidence of intervals and verdicts, e.g. 95% or 0.99 (default 95%)
  --batches <n>              batches per run window (default 10; at most one per second of window)
  --fail-on regression       exit 1 when a figure is worse by at least its threshold
  --threshold <figure>=<t>   a regression threshold, relative (10%) or in the figure's unit (250); repeatable.
                             figures: offeredTps includedTps inclusionP50 inclusionP99 finalityP50 finalityP99
                             submitP50 submitP99 errorRate rejectRate blockIntervalMs reorgsPerMin rssMbPerNode
                             maxRateTps
  --html <file>              where to write the page overlaying the runs' curves (default compare.html)
  --no-html                  write no page
  --json                     print the comparison as JSON on stdout, nothing else
  -h, --help                 this text

Exit codes: 0 compared (no regression with --fail-on regression), 1 a regression, 2 usage error.`;

export const REPLAY_USAGE = `loadnet replay <run directory> [--deployer local|compose | --attach <urls>] [options]
  Send a saved run's transaction traffic again, on the same schedule, from its traffic record (the run's
  'load.traffic' events: the seed and parameters that regenerate every transaction's intended send time, target
  node and, on a fresh deployment, its bytes). A fresh deployment of the run's scenario (same topology, consensus,
  wallets, seed and built-in expectations) or the nodes given with --attach receive it; the run's other workloads
  (faults, chaos, DA, adversaries) are named and not replayed. The replay is a run of its own: compare it with
  \`loadnet compare <run> <replay run>\`.

  --deployer local|compose   where the fresh deployment runs (default local)
  --attach <url,url,…>       send to running nodes instead (--keys <file> / --wallet-seed <n>: their wallets)
  --time-scale <x>           every time × x (2: twice as slow, the same transactions spread out)
  --rate-scale <x>           every rate × x, times unchanged (more or fewer transactions on the same curve)
  --out <dir>                runs directory (default runs)
  --json                     print the replay's summary as JSON
  Exit 0 when every expectation passes, 1 when one does not, 2 for a usage error (not a run directory, a run
  without a traffic record, a bad scale).`;
