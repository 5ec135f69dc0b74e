package hl7

// CheckText exposes checkText to the external tests: the offset of the first
// byte of seg refused under the named character set (ascii, utf8, latin or
// unknown), or -1.
func CheckText(seg []byte, set string, allowLF bool) int {
	cs := map[string]charset{"ascii": csASCII, "utf8": csUTF8, "latin": csLatin, "unknown": csUnknown}[set]
	i, _ := checkText(seg, cs, allowLF)
	return i
}
