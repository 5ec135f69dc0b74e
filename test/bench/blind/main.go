// Command blind is an MLLP load driver and central station written without reading the project's own
// load generator (cmd/hl7load, internal/loadgen), so that the relay figures in issue 15 can be checked
// against evidence the project did not make with its own tools. It imports nothing from this module.
//
//	blind station -listen 127.0.0.1:12576 -ctl 127.0.0.1:12580
//	blind drive -target 127.0.0.1:12577 -scenario closed -monitors 50 -duration 10s -relay-pid PID
//	blind drive -target 127.0.0.1:12577 -scenario flood -monitors 50 -rate 20 -flooders 16 -flood-sources 4
//	blind report results.jsonl
//
// The driver sends pre-built IHE PCD-01 ORU^R01 messages in which only fixed-width slots (MSH-10, the
// time stamps, the vital-sign values) are written per message, and checks every ACK.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "station":
		err = stationMain(os.Args[2:])
	case "drive":
		err = driveMain(os.Args[2:])
	case "relay":
		err = relayMain(os.Args[2:])
	case "report":
		err = reportMain(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "blind:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: blind station|drive|relay|report [flags] (each takes -h)")
	os.Exit(2)
}
