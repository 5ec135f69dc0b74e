// Package netns builds throwaway network namespaces for tests: named
// namespaces with a random suffix, veth links between them, addresses from
// the documentation ranges, routes, nftables rules, and Go code or commands
// run inside. Everything a test creates is deleted by t.Cleanup, also when
// the test fails; the namespaces have no link to the host's network, so no
// packet a test sends can leave them.
//
// Typical use:
//
//	netns.Require(t) // skips without root, ip or nft; fails instead when CI=true
//	mon, gw := netns.New(t, "mon"), netns.New(t, "gw")
//	netns.Link(t, mon, "mon0", gw, "gw0")
//	mon.AddAddr(t, "mon0", netip.MustParsePrefix("198.51.100.2/24"))
//	gw.AddAddr(t, "gw0", netip.MustParsePrefix("198.51.100.1/24"))
//	mon.AddRoute(t, netip.MustParsePrefix("0.0.0.0/0"), netip.MustParseAddr("198.51.100.1"))
//	ln := gw.Listen(t, "tcp", ":2575")
//	c, err := mon.Dial(ctx, "tcp", "198.51.100.1:2575")
//
// The package is Linux-only; on other systems it is empty.
package netns
