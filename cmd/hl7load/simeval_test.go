package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// simeval --json reports every kind the simulator applies at the interval,
// with totals that add up, in the field names vitals-eval.sh reads.
func TestSimEval(t *testing.T) {
	var out, stderr bytes.Buffer
	if err := simEvalCmd([]string{"--seed", "3", "--per-kind", "1", "--clean", "1", "--clean-hours", "0.2", "--json"}, &out, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	var rep simEvalReport
	if err := dec.Decode(&rep); err != nil {
		t.Fatal(err)
	}
	var episodes, detected int
	for _, k := range rep.Kinds {
		episodes += k.Monitors
		detected += k.Detected
		if k.Monitors != 1 || k.Detected+len(k.Missed) != 1 {
			t.Errorf("kind %+v", k)
		}
	}
	if len(rep.Kinds) < 10 || rep.Episodes != episodes || rep.Detected != detected || rep.Seed != 3 || rep.CleanHours < 0.19 || rep.Messages == 0 {
		t.Errorf("report %+v", rep)
	}
	out.Reset()
	if err := simEvalCmd([]string{"--per-kind", "1", "--clean", "0"}, &out, &stderr); err != nil || !strings.Contains(out.String(), "recall") {
		t.Errorf("text report %q, %v", out.String(), err)
	}
	if err := simEvalCmd([]string{"extra"}, &out, &stderr); err == nil {
		t.Error("no error for an argument")
	}
}
