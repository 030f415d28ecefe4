// The one import of node:net outside the co-process server, for its address parsing only (no
// socket): test/hostile.test.ts holds it to these two names.
import { BlockList, isIPv4 } from 'node:net';

/** True for a dotted-quad IPv4 address (node:net; no leading zeros, no spaces). */
export { isIPv4 };

/**
 * Parses `a.b.c.d/n` (an address node:net `isIPv4` takes, a prefix of one or two digits up to 32)
 * into the network it names, host bits ignored; undefined when it is not a valid IPv4 CIDR. Test
 * an address with `network.check(address, 'ipv4')`, after `isIPv4(address)`.
 */
export function parseCidr(text: string): BlockList | undefined {
  const [address, prefixText, extra] = text.split('/');
  if (
    address === undefined ||
    prefixText === undefined ||
    extra !== undefined ||
    !/^\d{1,2}$/.test(prefixText) ||
    !isIPv4(address)
  ) {
    return undefined;
  }
  const prefix = Number(prefixText);
  if (prefix > 32) return undefined;
  const network = new BlockList();
  network.addSubnet(address, prefix, 'ipv4');
  return network;
}
