//go:build race

package gateway

// raceOn says the race detector is on: its bookkeeping adds to every goroutine's and object's cost, so
// memory budgets are not judged.
const raceOn = true
