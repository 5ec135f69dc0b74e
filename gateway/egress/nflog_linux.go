package egress

import (
	"context"
	"errors"
	"fmt"

	"github.com/hl7gate/hl7gate/gateway/nflog"
)

// nflogReader reads the packets the egress rules log to an NFLOG group.
type nflogReader struct{ c *nflog.Conn }

func openNFLOG(group uint16) (packetReader, error) {
	c, err := nflog.Open(group)
	if err != nil {
		return nil, err
	}
	return nflogReader{c}, nil
}

func (r nflogReader) read(ctx context.Context) (packet, error) {
	p, err := r.c.Read(ctx)
	switch {
	case errors.Is(err, nflog.ErrOverrun), errors.Is(err, nflog.ErrMalformed):
		return packet{}, fmt.Errorf("%w: %w", errPacketLost, err)
	case err != nil:
		return packet{}, err
	}
	return packet{prefix: p.Prefix, protocol: p.Protocol, src: p.Src.Unmap(), dst: p.Dst.Unmap(), dstPort: p.DstPort}, nil
}

func (r nflogReader) Close() error { return r.c.Close() }
