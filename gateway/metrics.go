package gateway

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/hl7gate/hl7gate/gateway/queue"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy"
)

// Reasons a message is rejected or not delivered; they label hl7gate_messages_rejected_total.
const (
	reasonParse         = "parse"           // not a parsable HL7 message: AE
	reasonFrameTooLarge = "frame_too_large" // over max_frame: AE
	reasonTruncated     = "truncated"       // a new start block inside a frame: dropped, no answer
	reasonFraming       = "framing"         // end block without CR: AE
	reasonPolicy        = "policy"          // no route (default deny) or quarantine: AR
	reasonUndelivered   = "undelivered"     // no station accepted it in time: AE or silence
	reasonStationNak    = "station_nak"     // a station answered AE/AR: relayed
	reasonMonitorAck    = "monitor_ack"     // an ACK from a monitor: never answered, never forwarded
	reasonBody          = "body"            // the body failed the listener's body checks: AE/AR
	reasonQueueFull     = "queue_full"      // store mode: the route's queue is at max_bytes or a key at max_age: AE
	reasonQueueShare    = "queue_share"     // store mode: the monitor's address is at queue.max_source_bytes: AE
	reasonNotQueued     = "not_queued"      // store mode: the append failed (disk error, shutdown): AE
)

// metrics holds the gateway's Prometheus collectors. Labels carry only configuration names, reasons,
// codes and rule names: never message contents or addresses.
type metrics struct {
	reg            *prometheus.Registry
	received       *prometheus.CounterVec   // listener
	forwarded      *prometheus.CounterVec   // station
	rejected       *prometheus.CounterVec   // listener, reason
	acks           *prometheus.CounterVec   // origin (station|gateway), code
	latency        *prometheus.HistogramVec // station
	openConns      *prometheus.GaugeVec     // listener
	refused        *prometheus.CounterVec   // listener, reason
	stationUp      *prometheus.GaugeVec     // station
	stationConns   *prometheus.GaugeVec     // station
	findings       *prometheus.CounterVec   // rule, severity
	alertsSent     *prometheus.CounterVec   // station, result
	frameJunkBytes *prometheus.CounterVec   // listener
	watchlistHits  *prometheus.CounterVec   // entry
	secondary      *prometheus.CounterVec   // station, result
	acksIgnored    *prometheus.CounterVec   // listener
	throttled      *prometheus.CounterVec   // listener
	throttledWait  *prometheus.CounterVec   // listener
	queueDelivered *prometheus.CounterVec   // route, station
	queueDead      *prometheus.CounterVec   // route
	queuePoison    *prometheus.CounterVec   // route, station
	queueSkipped   *prometheus.CounterVec   // route, station
	busyPolls      *prometheus.CounterVec   // wait
	busyFound      *prometheus.CounterVec   // wait
	reserveWaits   *prometheus.CounterVec   // station
	// busyPolls' and busyFound's two series each, resolved once: the waits for a station's answer and for
	// a monitor's next message that polled (delivery.busy_poll), and those whose poll found it.
	answerPolls, messagePolls prometheus.Counter
	answerFound, messageFound prometheus.Counter
	// The series of acks, resolved once: a label lookup per message (hashing, a read lock) showed in
	// the relay's profile.
	stationAcks, gatewayAcks ackCounters
}

// ackCodes are the MSA-1 codes hl7gate_acks_total names; any other code is counted as "other".
var ackCodes = [...]hl7.AckCode{hl7.AA, hl7.AE, hl7.AR, hl7.CA, hl7.CE, hl7.CR}

// ackCounters holds one origin's series of hl7gate_acks_total: one per code of ackCodes, then "other".
type ackCounters [len(ackCodes) + 1]prometheus.Counter

func newAckCounters(vec *prometheus.CounterVec, origin string) ackCounters {
	var c ackCounters
	for i := range c {
		c[i] = vec.WithLabelValues(origin, codeLabel(ackCodeAt(i)))
	}
	return c
}

// ackCodeAt is the code of series i of ackCounters ("" for "other").
func ackCodeAt(i int) hl7.AckCode {
	if i < len(ackCodes) {
		return ackCodes[i]
	}
	return ""
}

// of returns the series counting code.
func (c *ackCounters) of(code hl7.AckCode) prometheus.Counter {
	for i, k := range ackCodes {
		if code == k {
			return c[i]
		}
	}
	return c[len(ackCodes)]
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_messages_received_total", Help: "Frames received from monitors.",
		}, []string{"listener"}),
		forwarded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_messages_forwarded_total", Help: "Messages a station acknowledged (any code).",
		}, []string{"station"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_messages_rejected_total", Help: "Messages not delivered, by reason.",
		}, []string{"listener", "reason"}),
		acks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_acks_total", Help: "Acknowledgements sent to monitors, by origin and MSA-1 code.",
		}, []string{"origin", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hl7gate_forward_latency_seconds",
			Help:    "Time from sending a message to a station to receiving its ACK.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 16), // 50µs .. 1.6s
		}, []string{"station"}),
		openConns: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hl7gate_connections_open", Help: "Open monitor connections.",
		}, []string{"listener"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_connections_refused_total", Help: "Monitor connections refused, by reason.",
		}, []string{"listener", "reason"}),
		stationUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hl7gate_station_up", Help: "1 when the last attempt to reach the station succeeded.",
		}, []string{"station"}),
		stationConns: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hl7gate_station_connections", Help: "Open connections to the station.",
		}, []string{"station"}),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_vitals_findings_total", Help: "Vital-sign findings, by rule and severity.",
		}, []string{"rule", "severity"}),
		alertsSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_vitals_alerts_total", Help: "ORU^R40 alerts sent to stations, by result.",
		}, []string{"station", "result"}),
		frameJunkBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_frame_skipped_bytes_total", Help: "Bytes received outside MLLP frames.",
		}, []string{"listener"}),
		watchlistHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_watchlist_hits_total", Help: "Devices that matched the vulnerable-model watchlist, by entry (once per device).",
		}, []string{"entry"}),
		secondary: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_secondary_messages_total",
			Help: "Messages for a secondary station of an ack_from: primary route, delivered in the background, by result (accepted, rejected, failed, dropped: its queue was full).",
		}, []string{"station", "result"}),
		acksIgnored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_monitor_acks_total", Help: "ACK messages received from monitors: never answered, never forwarded.",
		}, []string{"listener"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_source_throttled_total",
			Help: "Messages handled later because their source address was over its rate on the listener (max_source_rate, or its source_rates entry; all its connections together): delayed, none refused.",
		}, []string{"listener"}),
		throttledWait: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_source_throttled_seconds_total",
			Help: "Seconds the messages counted in hl7gate_source_throttled_total waited.",
		}, []string{"listener"}),
		queueDelivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_queue_delivered_total", Help: "Queued messages a station accepted (store mode).",
		}, []string{"route", "station"}),
		queueDead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_queue_dead_lettered_total", Help: "Queued messages moved to the dead letters (store mode).",
		}, []string{"route"}),
		queuePoison: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_queue_poison_total",
			Help: "Queued messages dead-lettered after queue.poison_attempts failed deliveries while their station answered other messages (store mode; also counted in hl7gate_queue_dead_lettered_total).",
		}, []string{"route", "station"}),
		queueSkipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_queue_skipped_total",
			Help: "Messages of a store-mode fan-out route not queued for a station whose queued messages from that device are older than queue.max_age; the route's other stations queued them.",
		}, []string{"route", "station"}),
		busyPolls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_busy_polls_total",
			Help: "Waits that polled their socket for up to delivery.busy_poll before sleeping, by wait (station_answer, next_message).",
		}, []string{"wait"}),
		busyFound: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_busy_polls_found_total",
			Help: "Waits that polled (hl7gate_busy_polls_total) and found what they waited for before delivery.busy_poll ran out: the station's answer, or the first bytes of the monitor's next message; not the peer's close or a socket error. By wait (station_answer, next_message).",
		}, []string{"wait"}),
		reserveWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hl7gate_station_reserve_waits_total",
			Help: "Messages of sources sending more than half their max_source_rate that waited for the station's pool: such messages held all of it but the connections kept for the other sources (a quarter, at least one).",
		}, []string{"station"}),
	}
	m.reg.MustRegister(m.secondary, m.acksIgnored, m.received, m.forwarded, m.rejected, m.acks, m.latency, m.openConns, m.refused,
		m.stationUp, m.stationConns, m.findings, m.alertsSent, m.frameJunkBytes, m.watchlistHits, m.queueDelivered, m.queueDead, m.queuePoison, m.queueSkipped, m.busyPolls, m.busyFound,
		m.throttled, m.throttledWait, m.reserveWaits,
		// The runtime's scheduling latencies and collection pauses as well as the default Go metrics: the
		// two histograms that say whether a latency tail came from the gateway's goroutines waiting for a
		// CPU or from the collector (BENCHMARKS.md, "Thirteenth round, session 13: the open loop's tail").
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsGC, collectors.MetricsScheduler)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.stationAcks, m.gatewayAcks = newAckCounters(m.acks, "station"), newAckCounters(m.acks, "gateway")
	m.answerPolls, m.messagePolls = m.busyPolls.WithLabelValues("station_answer"), m.busyPolls.WithLabelValues("next_message")
	m.answerFound, m.messageFound = m.busyFound.WithLabelValues("station_answer"), m.busyFound.WithLabelValues("next_message")
	return m
}

// registerUnrecognised adds hl7gate_vitals_unrecognised_total{what="code|unit"}: the numeric OBX rows the
// vital-sign checks could not judge, read at each scrape from the chain that chain returns (the live one:
// a reload that rebuilds the vital-sign checks starts their count again, which Prometheus reads as a
// counter reset; 0 while the checks are off).
func (m *metrics) registerUnrecognised(chain func() policy.Chain) {
	counter := func(what string, pick func(codes, units uint64) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "hl7gate_vitals_unrecognised_total",
			Help:        "Numeric OBX rows the vital-sign checks did not judge: unknown code, or unknown unit of a known parameter.",
			ConstLabels: prometheus.Labels{"what": what},
		}, func() float64 { return float64(pick(chain().Unrecognised())) })
	}
	m.reg.MustRegister(
		counter("code", func(codes, _ uint64) uint64 { return codes }),
		counter("unit", func(_, units uint64) uint64 { return units }),
	)
}

// registerQueue adds the gauges of a store-mode route's queue, read from its Stats at each scrape.
func (m *metrics) registerQueue(route string, q *queue.Queue) {
	labels := prometheus.Labels{"route": route}
	gauge := func(name, help string, f func(queue.Stats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return f(q.Stats()) })
	}
	m.reg.MustRegister(
		gauge("hl7gate_queue_depth", "Messages queued, not yet delivered or dead-lettered (store mode).",
			func(s queue.Stats) float64 { return float64(s.Depth) }),
		gauge("hl7gate_queue_oldest_seconds", "Age of the oldest queued message, 0 when empty (store mode).",
			func(s queue.Stats) float64 { return s.OldestAge.Seconds() }),
		gauge("hl7gate_queue_bytes", "Bytes of queued records; with hl7gate_queue_dead_bytes bounded by queue.max_bytes (store mode).",
			func(s queue.Stats) float64 { return float64(s.Bytes) }),
		gauge("hl7gate_queue_dead_bytes", "Bytes of the dead letters kept, counted in queue.max_bytes (store mode).",
			func(s queue.Stats) float64 { return float64(s.DeadBytes) }),
		gauge("hl7gate_queue_dead_letters", "Dead letters kept, waiting for replay or discard (store mode).",
			func(s queue.Stats) float64 { return float64(s.DeadLetters) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hl7gate_queue_failed", ConstLabels: labels,
			Help: "1 while the queue is failed (a write error, e.g. a full disk): monitors get AE and delivery waits until it reopens itself (store mode)."},
			func() float64 {
				if _, err := q.Health(); err != nil {
					return 1
				}
				return 0
			}),
	)
}
