package export_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/hl7gate/hl7gate/gateway/export"
)

func ExampleCEF_Append() {
	e := export.Event{Kind: export.KindConnectionRefused, Time: time.UnixMilli(1796231045123),
		Src: netip.MustParseAddrPort("10.99.0.3:40100"), Listener: "icu-a", Action: "refused", Reason: "source=10.99.0.0/16 not allowed"}
	fmt.Println(string(export.CEF{Version: "1.0"}.Append(nil, &e)))
	// Output:
	// CEF:0|hl7gate|hl7gate|1.0|connection_refused|Connection refused|5|rt=1796231045123 act=refused src=10.99.0.3 spt=40100 reason=source\=10.99.0.0/16 not allowed cs2Label=listener cs2=icu-a
}
