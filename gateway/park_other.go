//go:build !linux

package gateway

import "time"

// parker parks no connection on this platform: every session keeps its goroutine while it waits.
type parker struct{}

func newParker(*Gateway) (*parker, error)    { return nil, nil }
func (*parker) close()                       {}
func (*parker) count() float64               { return 0 }
func (*parker) park(*session, time.Duration) {}
func (*parker) wakeSession(*session)         {}
func (s *session) parks() bool               { return false }
