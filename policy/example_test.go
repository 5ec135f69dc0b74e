package policy_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy"
)

// A router allows ORU^R01 from the ICU's monitors to the central station and denies everything else.
func Example() {
	router, err := policy.NewRouter([]policy.RouteConfig{{
		Name:     "icu",
		Match:    policy.MatchConfig{Sources: []string{"192.0.2.0/24"}, MessageTypes: []string{"ORU^R01"}},
		Stations: []string{"central"},
	}}, []string{"central"}, []string{"monitors"})
	if err != nil {
		panic(err)
	}
	chain := policy.Chain{router}

	var v policy.Verdict // reused for every message
	for _, m := range []struct{ src, typ string }{{"192.0.2.10", "ORU^R01"}, {"192.0.2.10", "ADT^A01"}, {"203.0.113.5", "ORU^R01"}} {
		var msg hl7.Message
		if err := msg.Parse([]byte("MSH|^~\\&|MON|ICU|CS|HOSP|20261125120000||" + m.typ + "|1|P|2.6\r")); err != nil {
			panic(err)
		}
		req := policy.Request{Listener: "monitors", Source: netip.MustParseAddr(m.src), Msg: &msg, Station: -1}
		chain.Evaluate(context.Background(), &req, &v)
		if v.Drop {
			fmt.Printf("%s %s: %s %s (%s)\n", m.src, m.typ, v.Code, v.Reason, v.By)
			continue
		}
		fmt.Printf("%s %s: route %s to stations %v\n", m.src, m.typ, v.Route.Name, v.Route.Stations)
	}
	// Output:
	// 192.0.2.10 ORU^R01: route icu to stations [0]
	// 192.0.2.10 ADT^A01: AR no route to an allowlisted station (allowlist)
	// 203.0.113.5 ORU^R01: AR no route to an allowlisted station (allowlist)
}
