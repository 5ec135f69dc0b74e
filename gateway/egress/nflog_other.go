//go:build !linux

package egress

import "errors"

// openNFLOG is not available: NFLOG is a Linux netfilter facility.
func openNFLOG(uint16) (packetReader, error) {
	return nil, errors.New("nflog needs linux")
}
