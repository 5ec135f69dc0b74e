//go:build linux

package nflog

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// CopyRange is how many bytes of each packet the kernel copies to us: an
// IPv4 header with options (up to 60 bytes) or an IPv6 header (40) plus the
// first bytes of the transport header, which hold ports and ICMP type.
const CopyRange = 64

// ErrOverrun is wrapped by Read when the kernel dropped log messages because
// the socket's receive buffer was full; Read may be called again.
var ErrOverrun = errors.New("nflog: receive buffer overrun, messages lost")

// nfnetlink_log message types, commands and attributes
// (linux/netfilter/nfnetlink_log.h).
const (
	msgPacket = unix.NFNL_SUBSYS_ULOG<<8 | 0 // NFULNL_MSG_PACKET
	msgConfig = unix.NFNL_SUBSYS_ULOG<<8 | 1 // NFULNL_MSG_CONFIG

	cfgAttrCmd     = 1 // NFULA_CFG_CMD
	cfgAttrMode    = 2 // NFULA_CFG_MODE
	cfgAttrTimeout = 4 // NFULA_CFG_TIMEOUT

	cmdBind = 1 // NFULNL_CFG_CMD_BIND

	copyPacket = 2 // NFULNL_COPY_PACKET

	// flushTimeout is how long, in 1/100 s, the kernel may batch messages.
	flushTimeout = 10
)

// Conn is a netlink socket bound to one NFLOG group. Read is not safe for
// concurrent use; Close may be called at any time and ends a blocked Read.
type Conn struct {
	nl      *netlink.Conn
	group   uint16
	pending []netlink.Message
}

// Open binds a new socket to NFLOG group in the caller's network namespace.
// A group can be bound by one socket at a time.
func Open(group uint16) (*Conn, error) {
	nl, err := netlink.Dial(unix.NETLINK_NETFILTER, nil)
	if err != nil {
		return nil, fmt.Errorf("nflog: open netlink socket: %w", err)
	}
	c := &Conn{nl: nl, group: group}
	cmd := netlink.NewAttributeEncoder()
	cmd.Bytes(cfgAttrCmd, []byte{cmdBind})
	mode := netlink.NewAttributeEncoder()
	mode.ByteOrder = binary.BigEndian
	// struct nfulnl_msg_config_mode: __be32 copy_range, __u8 copy_mode, __u8 pad.
	mode.Bytes(cfgAttrMode, append(binary.BigEndian.AppendUint32(nil, CopyRange), copyPacket, 0))
	mode.Uint32(cfgAttrTimeout, flushTimeout)
	for _, step := range []struct {
		what string
		ae   *netlink.AttributeEncoder
	}{{"bind", cmd}, {"set copy mode", mode}} {
		if err := c.config(step.ae); err != nil {
			nl.Close()
			return nil, fmt.Errorf("nflog: %s group %d: %w", step.what, group, err)
		}
	}
	return c, nil
}

// config sends one configuration message for c's group and waits for the
// kernel's acknowledgement.
func (c *Conn) config(ae *netlink.AttributeEncoder) error {
	attrs, err := ae.Encode()
	if err != nil {
		return err
	}
	_, err = c.nl.Execute(netlink.Message{
		Header: netlink.Header{
			Type:  netlink.HeaderType(msgConfig),
			Flags: netlink.Request | netlink.Acknowledge,
		},
		Data: append(c.nfgenmsg(), attrs...),
	})
	return err
}

// nfgenmsg returns struct nfgenmsg for c's group: family AF_UNSPEC,
// version NFNETLINK_V0, res_id the group in network byte order.
func (c *Conn) nfgenmsg() []byte {
	return binary.BigEndian.AppendUint16([]byte{unix.AF_UNSPEC, unix.NFNETLINK_V0}, c.group)
}

// Read returns the next logged packet, waiting until one arrives, ctx is
// done or c is closed. Errors wrapping ErrMalformed or ErrOverrun leave c
// usable.
func (c *Conn) Read(ctx context.Context) (Packet, error) {
	for len(c.pending) == 0 {
		msgs, err := c.receive(ctx)
		if err != nil {
			return Packet{}, err
		}
		for _, m := range msgs {
			if m.Header.Type == netlink.HeaderType(msgPacket) {
				c.pending = append(c.pending, m)
			}
		}
	}
	m := c.pending[0]
	c.pending[0] = netlink.Message{} // drop the reference to the packet bytes
	c.pending = c.pending[1:]
	p, err := Parse(m.Data)
	if err != nil {
		return Packet{}, fmt.Errorf("nflog: group %d: %w", c.group, err)
	}
	return p, nil
}

// receive waits for the next batch of netlink messages; ctx cancels the
// wait through the socket's read deadline.
func (c *Conn) receive(ctx context.Context) ([]netlink.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		c.nl.SetReadDeadline(time.Unix(1, 0)) // in the past: Receive returns
		close(fired)
	})
	msgs, err := c.nl.Receive()
	if !stop() {
		// ctx ended: wait until the deadline is set, then clear it so the
		// next Read can block again.
		<-fired
		c.nl.SetReadDeadline(time.Time{})
		if err != nil {
			return nil, ctx.Err()
		}
	}
	switch {
	case errors.Is(err, unix.ENOBUFS):
		return nil, fmt.Errorf("nflog: group %d: %w", c.group, ErrOverrun)
	case err != nil:
		return nil, fmt.Errorf("nflog: group %d: receive: %w", c.group, err)
	}
	return msgs, nil
}

// Close closes the socket; the kernel then releases the group.
func (c *Conn) Close() error {
	if err := c.nl.Close(); err != nil {
		return fmt.Errorf("nflog: close group %d: %w", c.group, err)
	}
	return nil
}
