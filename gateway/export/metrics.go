package export

import "github.com/prometheus/client_golang/prometheus"

// descs are the metric descriptions of one sender, labelled with its configured name (exporter="…").
type descs [6]*prometheus.Desc

func newDescs(name string) descs {
	l := prometheus.Labels{"exporter": name}
	return descs{
		prometheus.NewDesc("hl7gate_export_sent_total", "Events delivered to the export target.", nil, l),
		prometheus.NewDesc("hl7gate_export_dropped_total", "Events dropped: buffer full, refused, retried out, or left unsent at shutdown.", nil, l),
		prometheus.NewDesc("hl7gate_export_reconnects_total", "Syslog connections made after the first; webhook requests retried.", nil, l),
		prometheus.NewDesc("hl7gate_export_connect_errors_total", "Failed syslog connection attempts; failed webhook requests.", nil, l),
		prometheus.NewDesc("hl7gate_export_queue_depth", "Events waiting in the export buffer.", nil, l),
		prometheus.NewDesc("hl7gate_export_connected", "Syslog: 1 while connected; webhook: 1 when the last request succeeded.", nil, l),
	}
}

// Describe implements prometheus.Collector.
func (o *outbox) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range o.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector, reading Stats.
func (o *outbox) Collect(ch chan<- prometheus.Metric) {
	st := o.Stats()
	connected := 0.0
	if st.Connected {
		connected = 1
	}
	ch <- prometheus.MustNewConstMetric(o.descs[0], prometheus.CounterValue, float64(st.Sent))
	ch <- prometheus.MustNewConstMetric(o.descs[1], prometheus.CounterValue, float64(st.Dropped))
	ch <- prometheus.MustNewConstMetric(o.descs[2], prometheus.CounterValue, float64(st.Reconnects))
	ch <- prometheus.MustNewConstMetric(o.descs[3], prometheus.CounterValue, float64(st.DialErrors))
	ch <- prometheus.MustNewConstMetric(o.descs[4], prometheus.GaugeValue, float64(st.Queued))
	ch <- prometheus.MustNewConstMetric(o.descs[5], prometheus.GaugeValue, connected)
}
