/**
 * EVM accounts: BIP-39 mnemonic → BIP-32 keys on the standard path m/44'/60'/0'/0/i (so anvil's default dev
 * accounts and a user's own dev mnemonic give the same addresses as their wallets), and addresses from keys.
 */
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { LoadnetError } from '../../errors.js';

/** anvil's and hardhat's well-known development mnemonic: its accounts are public, for local chains only. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

export const hex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');

export function fromHex(h: string, bytes?: number, what = 'hex'): Uint8Array {
  const s = h.startsWith('0x') ? h.slice(2) : h;
  if (!/^[0-9a-fA-F]*$/.test(s) || s.length % 2 !== 0 || (bytes !== undefined && s.length !== bytes * 2)) {
    throw new LoadnetError('LN_ERR_USAGE', `${what}: ${JSON.stringify(h.slice(0, 20))} is not ${bytes ?? 'whole'}-byte hex`);
  }
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/** The 20-byte address of a private key, as lowercase 0x hex. */
export function addressOf(privateKey: Uint8Array): string {
  const pub = secp256k1.getPublicKey(privateKey, false);
  return hex(keccak_256(pub.subarray(1)).subarray(12));
}

export function checkMnemonic(mnemonic: string): void {
  if (!validateMnemonic(mnemonic.trim().split(/\s+/).join(' '), wordlist)) {
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', 'chain.mnemonic is not a valid BIP-39 English mnemonic (12 or 24 words with a valid checksum)', {
      issues: [{ field: 'chain.mnemonic', value: '(hidden)', allowed: 'a BIP-39 English mnemonic, e.g. anvil\'s "test test … junk"' }],
    });
  }
}

/** Private keys of accounts `from` .. `from + count - 1` of a mnemonic (m/44'/60'/0'/0/i). */
export function mnemonicKeys(mnemonic: string, count: number, from = 0): Uint8Array[] {
  checkMnemonic(mnemonic);
  const root = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic.trim().split(/\s+/).join(' ')));
  const base = root.derive("m/44'/60'/0'/0");
  return Array.from({ length: count }, (_, i) => {
    const k = base.deriveChild(from + i).privateKey;
    if (!k) throw new LoadnetError('LN_ERR_USAGE', `mnemonic account ${from + i} has no private key`);
    return k;
  });
}
