package policy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/hl7gate/hl7gate/hl7"
)

// Ack modes for routes that fan out to several stations.
const (
	AckPrimary = "primary" // the first station's ACK is relayed; the others are delivered best effort
	AckAll     = "all"     // every station must accept, otherwise the monitor gets a negative ACK
	AckAny     = "any"     // the first positive ACK is relayed
)

// RouteConfig sends matching messages to allowlisted stations. Routes are tried in order and the first
// match wins; a message that matches no route is rejected with AR (default deny).
type RouteConfig struct {
	Name     string      `mapstructure:"name"`
	Match    MatchConfig `mapstructure:"match"`
	Stations []string    `mapstructure:"stations"`
	AckFrom  string      `mapstructure:"ack_from"` // primary (default), all or any
	// Delivery is relay (the default: the station's ACK is relayed) or store (durably queued, then
	// delivered); the gateway acts on it, the router does not (see gateway/config).
	Delivery string `mapstructure:"delivery"`
}

// MatchConfig selects messages; an empty list matches anything. Application and facility values match
// the whole MSH field or its first component; message types are "ORU", "ORU^R01" or "ORU^R01^ORU_R01".
type MatchConfig struct {
	Listeners             []string `mapstructure:"listeners"`
	Sources               []string `mapstructure:"sources"`
	SendingApplications   []string `mapstructure:"sending_applications"`
	SendingFacilities     []string `mapstructure:"sending_facilities"`
	ReceivingApplications []string `mapstructure:"receiving_applications"`
	ReceivingFacilities   []string `mapstructure:"receiving_facilities"`
	MessageTypes          []string `mapstructure:"message_types"`
}

// Route is a compiled RouteConfig.
type Route struct {
	Name     string
	Stations []int // indexes into the station list the router was built with; the first is the primary
	AckFrom  string

	listeners                        []string
	sources                          []netip.Prefix
	sendApp, sendFac, recvApp, recvF []string
	types                            [][3]string
	narrow                           []Route // narrow[k]: this route to Stations[k] alone (intercepted connections)
}

// Router is the allowlist: it picks the route of each message, or drops it. Every message goes through
// the same decision, whichever listener it arrived on: an intercepted connection's original destination
// (Request.Station) only narrows the matching route to that one station, it never lets through a message
// no route allows.
type Router struct {
	routes []Route
}

// NewRouter compiles routes against the allowlisted station names and the listener names. The error
// lists every problem, each naming its key (routes[i]...).
func NewRouter(routes []RouteConfig, stations, listeners []string) (*Router, error) {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if len(routes) == 0 {
		bad("routes", "at least one route is required (messages matching no route are rejected)")
	}
	r := &Router{}
	seen := map[string]int{}
	for i, rc := range routes {
		key := fmt.Sprintf("routes[%d]", i)
		if rc.Name == "" {
			bad(key+".name", "required")
		} else if j, dup := seen[rc.Name]; dup {
			bad(key+".name", "%q already used by routes[%d]", rc.Name, j)
		}
		seen[rc.Name] = i
		rt := Route{
			Name: rc.Name, AckFrom: rc.AckFrom, listeners: rc.Match.Listeners,
			sendApp: rc.Match.SendingApplications, sendFac: rc.Match.SendingFacilities,
			recvApp: rc.Match.ReceivingApplications, recvF: rc.Match.ReceivingFacilities,
		}
		if rt.AckFrom == "" {
			rt.AckFrom = AckPrimary
		}
		if rt.AckFrom != AckPrimary && rt.AckFrom != AckAll && rt.AckFrom != AckAny {
			bad(key+".ack_from", "%q is not primary, all or any", rc.AckFrom)
		}
		if len(rc.Stations) == 0 {
			bad(key+".stations", "at least one station is required")
		}
		for j, s := range rc.Stations {
			k := slices.Index(stations, s)
			if k < 0 {
				bad(fmt.Sprintf("%s.stations[%d]", key, j), "%q is not an allowlisted station", s)
				continue
			}
			rt.Stations = append(rt.Stations, k)
		}
		for j, l := range rc.Match.Listeners {
			if !slices.Contains(listeners, l) {
				bad(fmt.Sprintf("%s.match.listeners[%d]", key, j), "%q is not a listener", l)
			}
		}
		for j, s := range rc.Match.Sources {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				bad(fmt.Sprintf("%s.match.sources[%d]", key, j), "%q is not a CIDR prefix", s)
				continue
			}
			rt.sources = append(rt.sources, p.Masked())
		}
		for j, t := range rc.Match.MessageTypes {
			parts := strings.Split(t, "^")
			if t == "" || len(parts) > 3 || slices.Contains(parts, "") {
				bad(fmt.Sprintf("%s.match.message_types[%d]", key, j), "%q is not TYPE[^TRIGGER[^STRUCTURE]]", t)
				continue
			}
			var mt [3]string
			copy(mt[:], parts)
			rt.types = append(rt.types, mt)
		}
		for _, k := range rt.Stations {
			n := rt
			n.Stations, n.AckFrom, n.narrow = []int{k}, AckPrimary, nil
			rt.narrow = append(rt.narrow, n)
		}
		r.routes = append(r.routes, rt)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

// Name implements Check.
func (*Router) Name() string { return "allowlist" }

// Check implements Check: it sets out.Route to the first route that matches, or drops the message with
// AR (default deny). For an intercepted connection (req.Station >= 0) only routes that include that
// station are considered, and the route is narrowed to it: the monitor aimed at one station and gets
// that one, if the allowlist lets the message through at all.
func (r *Router) Check(_ context.Context, req *Request, out *Verdict) {
	for i := range r.routes {
		rt := &r.routes[i]
		if !rt.match(req) {
			continue
		}
		if req.Station < 0 {
			out.Route = rt
			return
		}
		if k := slices.Index(rt.Stations, req.Station); k >= 0 {
			out.Route = &rt.narrow[k]
			return
		}
	}
	out.Drop, out.Code = true, hl7.AR
	out.ErrorCode, out.Reason = r.denyCode(req)
}

// denyCode picks the ERR code of a message no route allows (HL7 table 0357): 201 (unsupported event)
// when some route takes its message type but none its trigger event, else 200 (unsupported message
// type: nothing lets this message through, whatever else it matched).
func (r *Router) denyCode(req *Request) (int, string) {
	typ, trig, _ := req.Msg.MessageType()
	typeKnown := false
	for i := range r.routes {
		for _, t := range r.routes[i].types {
			if string(typ) != t[0] {
				continue
			}
			if t[1] == "" || string(trig) == t[1] {
				return hl7.CodeUnsupportedMessageType, "no route to an allowlisted station"
			}
			typeKnown = true
		}
	}
	if typeKnown {
		return hl7.CodeUnsupportedEvent, "no route to an allowlisted station for this trigger event"
	}
	return hl7.CodeUnsupportedMessageType, "no route to an allowlisted station"
}
func (rt *Route) match(req *Request) bool {
	if len(rt.listeners) > 0 && !slices.Contains(rt.listeners, req.Listener) {
		return false
	}
	if len(rt.sources) > 0 && !containsAddr(rt.sources, req.Source.Unmap()) {
		return false
	}
	m := req.Msg
	comp := m.Delimiters().Component
	if !matchHD(m.SendingApplication(), comp, rt.sendApp) || !matchHD(m.SendingFacility(), comp, rt.sendFac) ||
		!matchHD(m.ReceivingApplication(), comp, rt.recvApp) || !matchHD(m.ReceivingFacility(), comp, rt.recvF) {
		return false
	}
	if len(rt.types) == 0 {
		return true
	}
	typ, trig, structure := m.MessageType()
	for _, t := range rt.types {
		if string(typ) == t[0] && (t[1] == "" || string(trig) == t[1]) && (t[2] == "" || string(structure) == t[2]) {
			return true
		}
	}
	return false
}

// matchHD reports whether an HD field (namespace^universal id^type) equals one of vals, compared with
// the whole field or with its first component.
func matchHD(field []byte, comp byte, vals []string) bool {
	if len(vals) == 0 {
		return true
	}
	first := field
	if i := bytes.IndexByte(field, comp); i >= 0 {
		first = field[:i]
	}
	for _, v := range vals {
		if string(field) == v || string(first) == v {
			return true
		}
	}
	return false
}

func containsAddr(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
