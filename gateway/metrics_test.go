package gateway

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// The rows the vital-sign checks cannot judge reach /metrics through the policy chain, read at scrape time.
func TestMetricsVitalsUnrecognised(t *testing.T) {
	v, err := policy.NewVitals(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	chain := policy.Chain{v}
	m := newMetrics()
	m.registerUnrecognised(func() policy.Chain { return chain })
	msg := "MSH|^~\\&|MON|ICU|CS|HOSP|20260115060000||ORU^R01|1|P|2.6\r" +
		"PID|||123\r" +
		"OBR|1\r" +
		"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R\r" +
		"OBX|2|NM|999999^UNKNOWN^MDC||5|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R\r" +
		"OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97|furlongs|||||R\r" +
		"OBX|4|NM|151562^MDC_RESP_RATE^MDC||14|furlongs|||||R\r"
	var parsed hl7.Message
	if err := parsed.Parse([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	var out policy.Verdict
	chain.Evaluate(context.Background(), &policy.Request{Source: netip.MustParseAddr("127.0.0.1"), Msg: &parsed,
		Arrival: time.Date(2026, 1, 15, 6, 0, 0, 0, time.UTC), Station: -1}, &out)
	got := map[string]float64{}
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "hl7gate_vitals_unrecognised_total" {
			continue
		}
		for _, s := range mf.GetMetric() {
			got[s.GetLabel()[0].GetValue()] = s.GetCounter().GetValue()
		}
	}
	if got["code"] != 1 || got["unit"] != 2 || len(got) != 2 {
		t.Errorf("hl7gate_vitals_unrecognised_total = %v, want code 1, unit 2", got)
	}
}

// /metrics carries the runtime's scheduling-latency and collection-pause histograms, the two that tell a
// latency tail of goroutines waiting for a CPU from one of the collector.
func TestMetricsRuntimeHistograms(t *testing.T) {
	mfs, err := newMetrics().reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"go_sched_latencies_seconds": false, "go_gc_pauses_seconds": false}
	for _, mf := range mfs {
		if _, ok := want[mf.GetName()]; ok {
			want[mf.GetName()] = len(mf.GetMetric()) == 1 && mf.GetMetric()[0].GetHistogram() != nil
		}
	}
	for name, ok := range want {
		if !ok {
			t.Errorf("%s: not a histogram in /metrics", name)
		}
	}
}
