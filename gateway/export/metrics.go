package export

import "github.com/prometheus/client_golang/prometheus"

// Metric descriptions of a sender, labelled with its configured name (exporter="…").
func (s *Syslog) initDescs() {
	l := prometheus.Labels{"exporter": s.cfg.Name}
	s.descs = [len(s.descs)]*prometheus.Desc{
		prometheus.NewDesc("hl7gate_export_sent_total", "Events written to the export target.", nil, l),
		prometheus.NewDesc("hl7gate_export_dropped_total", "Events dropped: buffer full, or left unsent at shutdown.", nil, l),
		prometheus.NewDesc("hl7gate_export_reconnects_total", "Connections to the export target made after the first.", nil, l),
		prometheus.NewDesc("hl7gate_export_connect_errors_total", "Failed connection attempts to the export target.", nil, l),
		prometheus.NewDesc("hl7gate_export_queue_depth", "Events waiting in the export buffer.", nil, l),
		prometheus.NewDesc("hl7gate_export_connected", "1 while a connection to the export target is open.", nil, l),
	}
}

// Describe implements prometheus.Collector.
func (s *Syslog) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range s.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector, reading Stats.
func (s *Syslog) Collect(ch chan<- prometheus.Metric) {
	st := s.Stats()
	connected := 0.0
	if st.Connected {
		connected = 1
	}
	ch <- prometheus.MustNewConstMetric(s.descs[0], prometheus.CounterValue, float64(st.Sent))
	ch <- prometheus.MustNewConstMetric(s.descs[1], prometheus.CounterValue, float64(st.Dropped))
	ch <- prometheus.MustNewConstMetric(s.descs[2], prometheus.CounterValue, float64(st.Reconnects))
	ch <- prometheus.MustNewConstMetric(s.descs[3], prometheus.CounterValue, float64(st.DialErrors))
	ch <- prometheus.MustNewConstMetric(s.descs[4], prometheus.GaugeValue, float64(st.Queued))
	ch <- prometheus.MustNewConstMetric(s.descs[5], prometheus.GaugeValue, connected)
}
