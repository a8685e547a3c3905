/**
 * What kind of address a webhook's host name resolved to. Everything but a
 * public address reaches something inside: this machine (loopback), the
 * private network the function runs in (private, shared), the cloud's
 * instance metadata service (100.100.100.200 on Alibaba Cloud, 169.254.169.254
 * elsewhere), or nowhere a webhook should be (unspecified, multicast,
 * reserved). IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are judged as
 * the IPv4 address they carry.
 */
import { BlockList, isIP } from "node:net";

export type AddressKind =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "metadata"
  | "unspecified"
  | "multicast"
  | "reserved";

const KINDS: [Exclude<AddressKind, "public">, [string, number, "ipv4" | "ipv6"][]][] = [
  // Checked first: the metadata addresses lie inside the shared and link-local ranges.
  [
    "metadata",
    [
      ["100.100.100.200", 32, "ipv4"],
      ["169.254.169.254", 32, "ipv4"],
      ["fd00:ec2::254", 128, "ipv6"],
    ],
  ],
  [
    "unspecified",
    [
      ["0.0.0.0", 8, "ipv4"],
      ["::", 128, "ipv6"],
    ],
  ],
  [
    "loopback",
    [
      ["127.0.0.0", 8, "ipv4"],
      ["::1", 128, "ipv6"],
    ],
  ],
  [
    "private",
    [
      ["10.0.0.0", 8, "ipv4"],
      ["172.16.0.0", 12, "ipv4"],
      ["192.168.0.0", 16, "ipv4"],
      // Carrier-grade NAT, which Alibaba Cloud uses for its own services.
      ["100.64.0.0", 10, "ipv4"],
      ["fc00::", 7, "ipv6"],
    ],
  ],
  [
    "link-local",
    [
      ["169.254.0.0", 16, "ipv4"],
      ["fe80::", 10, "ipv6"],
    ],
  ],
  [
    "multicast",
    [
      ["224.0.0.0", 4, "ipv4"],
      ["ff00::", 8, "ipv6"],
    ],
  ],
  [
    "reserved",
    [
      ["192.0.0.0", 24, "ipv4"],
      ["192.0.2.0", 24, "ipv4"],
      ["198.18.0.0", 15, "ipv4"],
      ["198.51.100.0", 24, "ipv4"],
      ["203.0.113.0", 24, "ipv4"],
      ["240.0.0.0", 4, "ipv4"],
      // These carry an IPv4 address inside (NAT64, 6to4, Teredo): never a webhook's own.
      ["64:ff9b::", 96, "ipv6"],
      ["2002::", 16, "ipv6"],
      ["2001::", 32, "ipv6"],
      ["100::", 64, "ipv6"],
      ["2001:db8::", 32, "ipv6"],
    ],
  ],
];

const LISTS = KINDS.map(([kind, ranges]) => {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return [kind, list] as const;
});

/** The kind of an IP address (v4 or v6, as a string); throws on anything else. */
export function addressKind(address: string): AddressKind {
  const family = isIP(address);
  if (family === 0) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  const type = family === 4 ? "ipv4" : "ipv6";
  for (const [kind, list] of LISTS) {
    if (list.check(address, type)) return kind;
  }
  return "public";
}
