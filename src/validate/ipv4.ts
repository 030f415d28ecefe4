// The one import of node:net outside the co-process server, for its address parsing only (no
// socket): test/hostile.test.ts holds it to these two names.
import { BlockList, isIPv4 } from 'node:net';

/** True for a dotted-quad IPv4 address (node:net; no leading zeros, no spaces). */
export { isIPv4 };

/** An IPv4 network, to test addresses against: `network.check(address, 'ipv4')`. */
export interface IPv4Network {
  check(address: string, family: 'ipv4'): boolean;
}

// Networks already parsed: a BlockList costs microseconds to build, and `validate` of a thousand
// files asks for the same few networks again and again. Bounded, as the texts come from files.
const parsed = new Map<string, IPv4Network | undefined>();
// Addresses remembered per network (see buildNetwork).
const MAX_ANSWERS = 1024;

/**
 * Parses `a.b.c.d/n` (an address node:net `isIPv4` takes, a prefix of one or two digits up to 32)
 * into the network it names, host bits ignored; undefined when it is not a valid IPv4 CIDR. Test
 * an address with `network.check(address, 'ipv4')`, after `isIPv4(address)`.
 */
export function parseCidr(text: string): IPv4Network | undefined {
  if (parsed.has(text)) return parsed.get(text);
  const network = buildNetwork(text);
  if (parsed.size >= 256) parsed.clear();
  parsed.set(text, network);
  return network;
}

function buildNetwork(text: string): IPv4Network | undefined {
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
  // Answers already given, by address: BlockList.check builds a SocketAddress on every call
  // (microseconds), and `validate` of a thousand files asks the same network about the same few
  // peer addresses again and again. The answer is BlockList's own; bounded, as the texts come
  // from files.
  const answers = new Map<string, boolean>();
  // Only `check` is handed out: a shared network must not be added to.
  return {
    check: (address, family) => {
      const known = answers.get(address);
      if (known !== undefined) return known;
      const answer = network.check(address, family);
      if (answers.size >= MAX_ANSWERS) answers.clear();
      answers.set(address, answer);
      return answer;
    },
  };
}
