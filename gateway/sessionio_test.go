package gateway

import (
	"testing"
	"time"
)

func TestRearm(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	slack := time.Second
	tests := []struct {
		name  string
		armed time.Time
		want  time.Time
		move  bool
		to    time.Time
	}{
		{"none armed", time.Time{}, t0, true, t0.Add(slack)},
		{"armed too early", t0.Add(-time.Nanosecond), t0, true, t0.Add(slack)},
		{"armed at want", t0, t0, false, t0},
		{"armed inside the slack", t0.Add(slack / 2), t0, false, t0.Add(slack / 2)},
		{"armed at the slack's end", t0.Add(slack), t0, false, t0.Add(slack)},
		{"armed too late (a shorter timeout)", t0.Add(slack + time.Nanosecond), t0, true, t0.Add(slack)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			to, move := rearm(tc.armed, tc.want, slack)
			if move != tc.move || !to.Equal(tc.to) {
				t.Errorf("rearm(%v, %v) = %v, %v; want %v, %v", tc.armed, tc.want, to, move, tc.to, tc.move)
			}
		})
	}
}
