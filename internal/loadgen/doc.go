// Package loadgen drives an MLLP relay (hl7gate, HAProxy, or nothing) with
// simulated patient monitors and a simulated central station, and checks
// that every positively acknowledged message reached the station once, in
// order and unchanged. cmd/hl7load is its command line; end-to-end tests can
// use it directly.
//
// Typical use:
//
//	st := load.NewStation(load.AckMode{Code: hl7.AA})
//	go st.Serve(ctx, stationListener)
//	f := &load.Fleet{Addrs: []string{gatewayAddr}, Monitors: 100, Rate: 1, Duration: time.Minute}
//	res, err := f.Run(ctx)
//	...
//	v := load.Verify(res.SentRecords, st.Records()) // or load.FetchRecords from another process
//	rep := load.NewReport(f, res, &v, nil)
//	rep.WriteText(os.Stdout)
//	if rep.Failed { ... } // lost, falsely ACKed, duplicated, reordered, changed or mismatched
//
// Messages are identified by hashes of MSH-10 and of the whole payload
// (Record); no message content is kept or logged.
package loadgen
