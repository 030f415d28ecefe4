// IPv4 addresses and networks, for the WireGuard checks. Parsed here, not with node:net's isIPv4
// and BlockList: loading node:net (and the stream machinery it pulls in) costs a cold write about
// 4 ms of CPU, a tenth of all it does beyond Node's own start (bench/RESULTS.md), for two small
// functions that run on every write. test/validate-library.test.ts holds both to node:net's
// answers over a spread of inputs, so they mean exactly what node:net means.

// One octet as node:net writes its IPv4 pattern: 0–255, no leading zero, no sign, no space.
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])';
const DOTTED_QUAD = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/** True for a dotted-quad IPv4 address (what node:net's isIPv4 accepts: no leading zeros, no spaces). */
export function isIPv4(text: string): boolean {
  return DOTTED_QUAD.test(text);
}

// The address as a number (0 to 2^32 - 1); only for a text isIPv4 accepted.
function addressValue(address: string): number {
  let value = 0;
  for (const octet of address.split('.')) value = value * 256 + Number(octet);
  return value;
}

/** An IPv4 network, to test addresses against: `network.check(address, 'ipv4')`. */
export interface IPv4Network {
  /** True when `address` is an IPv4 address inside the network (false for anything else). */
  check(address: string, family: 'ipv4'): boolean;
}

// Networks already parsed: `validate` of a thousand files asks for the same few networks again
// and again. Bounded, as the texts come from files.
const parsed = new Map<string, IPv4Network | undefined>();

/**
 * Parses `a.b.c.d/n` (an address {@link isIPv4} takes, a prefix of one or two digits up to 32)
 * into the network it names, host bits ignored; undefined when it is not a valid IPv4 CIDR. Test
 * an address with `network.check(address, 'ipv4')`.
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
  // Arithmetic on doubles, not 32-bit integers: a /0 network spans 2^32 addresses.
  const size = 2 ** (32 - prefix);
  const first = Math.floor(addressValue(address) / size) * size;
  // Only `check` is handed out: a shared network cannot be changed by a caller.
  return {
    check: (candidate) => {
      if (!isIPv4(candidate)) return false;
      const offset = addressValue(candidate) - first;
      return offset >= 0 && offset < size;
    },
  };
}
