package loadgen

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// ProcStat is what Linux reports about one process in /proc.
type ProcStat struct {
	CPU     time.Duration // user + system CPU time of all its threads so far
	RSS     uint64        // resident set size now, bytes (VmRSS)
	PeakRSS uint64        // peak resident set size, bytes (VmHWM)
}

// ErrNoClockTick means the kernel's clock-tick rate could not be read from
// /proc/self/auxv, so CPU times in /proc/PID/stat cannot be converted.
var ErrNoClockTick = errors.New("load: AT_CLKTCK not found in /proc/self/auxv")

// atClkTck is the auxiliary-vector key of the clock-tick rate (USER_HZ).
const atClkTck = 17

// ReadProcStat samples the CPU time and memory of process pid from /proc.
func ReadProcStat(pid int) (ProcStat, error) {
	hz, err := clockTicks()
	if err != nil {
		return ProcStat{}, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ProcStat{}, fmt.Errorf("read cpu time of pid %d: %w", pid, err)
	}
	ticks, err := cpuTicks(stat)
	if err != nil {
		return ProcStat{}, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ProcStat{}, fmt.Errorf("read memory of pid %d: %w", pid, err)
	}
	var ps ProcStat
	ps.CPU = time.Duration(ticks) * time.Second / time.Duration(hz)
	if ps.RSS, err = statusKB(status, "VmRSS:"); err != nil {
		return ProcStat{}, fmt.Errorf("parse /proc/%d/status: %w", pid, err)
	}
	if ps.PeakRSS, err = statusKB(status, "VmHWM:"); err != nil {
		return ProcStat{}, fmt.Errorf("parse /proc/%d/status: %w", pid, err)
	}
	return ps, nil
}

// clockTicks reads the clock-tick rate (AT_CLKTCK) from this process's
// auxiliary vector: native-endian pairs of machine words.
func clockTicks() (uint64, error) {
	auxv, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 0, fmt.Errorf("read clock ticks: %w", err)
	}
	const word = 8 // 64-bit platforms only; the tool is not built for 32-bit
	for len(auxv) >= 2*word {
		k := binary.NativeEndian.Uint64(auxv)
		v := binary.NativeEndian.Uint64(auxv[word:])
		auxv = auxv[2*word:]
		if k == atClkTck && v > 0 {
			return v, nil
		}
	}
	return 0, ErrNoClockTick
}

// cpuTicks returns utime+stime (fields 14 and 15) of a /proc/PID/stat line.
// The command name (field 2) may hold spaces and parentheses, so fields are
// counted from the last ')'.
func cpuTicks(stat []byte) (uint64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("no command name")
	}
	f := bytes.Fields(stat[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 13", len(f))
	}
	u, err := strconv.ParseUint(string(f[11]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("utime: %w", err)
	}
	s, err := strconv.ParseUint(string(f[12]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stime: %w", err)
	}
	return u + s, nil
}

// statusKB returns the value of a "Key:   123 kB" line of /proc/PID/status in bytes.
func statusKB(status []byte, key string) (uint64, error) {
	for line := range bytes.Lines(status) {
		rest, ok := bytes.CutPrefix(line, []byte(key))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, fmt.Errorf("%s: unexpected format", key)
		}
		kb, err := strconv.ParseUint(string(f[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", key, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("%s: not present", key)
}
