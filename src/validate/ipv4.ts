/** Parses a dotted-quad IPv4 address into a 32-bit number; undefined when it is not one. */
export function parseIPv4(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  let value = 0;
  for (const part of match.slice(1)) {
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** An IPv4 network: base address and prefix length. */
export interface IPv4Network {
  base: number;
  prefix: number;
}

/** Parses `a.b.c.d/n`; undefined when it is not a valid IPv4 CIDR. */
export function parseCidr(text: string): IPv4Network | undefined {
  const [address, prefixText, extra] = text.split('/');
  if (
    address === undefined ||
    prefixText === undefined ||
    extra !== undefined ||
    !/^\d{1,2}$/.test(prefixText)
  ) {
    return undefined;
  }
  const base = parseIPv4(address);
  const prefix = Number(prefixText);
  if (base === undefined || prefix > 32) return undefined;
  return { base, prefix };
}

/** True when the address lies inside the network. */
export function inNetwork(address: number, network: IPv4Network): boolean {
  const size = 2 ** (32 - network.prefix);
  const start = network.base - (network.base % size);
  return address >= start && address < start + size;
}
