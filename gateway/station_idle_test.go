package gateway

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// checkIdleList checks the idle list's invariant: it holds exactly the pooled connections with nothing
// reserved on them, each once, none closed.
func checkIdleList(t *testing.T, s *station) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range s.idle {
		if slices.Index(s.idle, c) != i {
			t.Fatalf("connection %p twice in the idle list", c)
		}
		if c.load != 0 || !c.pooled || !slices.Contains(s.pool, c) {
			t.Fatalf("idle connection %p: load %d, pooled %t, in the pool %t", c, c.load, c.pooled, slices.Contains(s.pool, c))
		}
		c.mu.Lock()
		dead := c.err != nil
		c.mu.Unlock()
		if dead {
			t.Fatalf("idle connection %p is closed", c)
		}
	}
	for _, c := range s.pool {
		if c.load == 0 && !slices.Contains(s.idle, c) {
			t.Fatalf("pooled connection %p with nothing reserved is not in the idle list", c)
		}
	}
}

// A connection that dies while in use (its load above zero, pipelined: several), or is dropped as
// suspect, never enters the idle list when released; get never hands out a closed one from it; and the
// list keeps its invariant with callers, kills and suspect drops at once (go test -race).
func TestStationIdleListDeadConnections(t *testing.T) {
	for _, pipeline := range []int{1, 4} {
		st, err := store.New(100)
		if err != nil {
			t.Fatal(err)
		}
		cfg := config.Config{Stations: []config.StationConfig{{Name: "central", Address: testkit.AckStation(t).String(), Connections: 4, Pipeline: pipeline}}}.WithDefaults()
		s, err := newStation(cfg.Stations[0], zerolog.Nop(), st, newMetrics())
		if err != nil {
			t.Fatal(err)
		}
		ctx, deadline := t.Context(), time.Now().Add(time.Minute)
		a, err := s.get(ctx, deadline, getAny)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.get(ctx, deadline, getAny)
		if err != nil {
			t.Fatal(err)
		}
		a.kill(errSuspect) // dies busy
		s.release(a)
		checkIdleList(t, s)
		s.release(b)
		s.dropIdle() // b is idle and suspect
		checkIdleList(t, s)
		if c, err := s.get(ctx, deadline, getAny); err != nil || c == a || c == b {
			t.Fatalf("get = %p, %v after both died; want a new connection", c, err)
		} else {
			s.release(c)
		}

		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := range 200 {
					c, err := s.get(ctx, deadline, getAny)
					if err != nil {
						t.Error(err)
						return
					}
					switch {
					case (w+i)%37 == 0:
						c.kill(errSuspect)
					case (w+i)%53 == 0:
						s.dropIdle()
					}
					s.release(c)
				}
			})
		}
		wg.Wait()
		checkIdleList(t, s)
		s.closeAll()
	}
}
