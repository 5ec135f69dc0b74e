// Package nflog reads packets that nftables rules send to an NFLOG group
// (`log group N`), keeping only their L3/L4 header fields and the rule's log
// prefix, never payload. It speaks nfnetlink_log directly over a netlink
// socket (github.com/mdlayher/netlink) and needs Linux with CAP_NET_ADMIN.
//
// The kernel is asked to copy only the first CopyRange bytes of each
// packet, enough for the IP and transport headers that Parse reads.
//
// Typical use:
//
//	c, err := nflog.Open(7) // the Spec.LogGroup of package firewall
//	if err != nil { ... }
//	defer c.Close()
//	for {
//		p, err := c.Read(ctx)
//		switch {
//		case errors.Is(err, nflog.ErrMalformed), errors.Is(err, nflog.ErrOverrun):
//			continue // count it and go on
//		case err != nil:
//			return err
//		}
//		record(p.Prefix, p.Src, p.Dst, p.Protocol, p.DstPort)
//	}
//
// The package is Linux-only; on other systems it is empty.
package nflog
