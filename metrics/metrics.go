// Package metrics holds crmbot's Prometheus metrics. The packages that count call
// the small functions here; cmd/crmbot serves Registry at /metrics. Labels carry
// only names from fixed lists (platforms, command names, results, error kinds),
// never an identity, a company or a message: a label is stored forever.
package metrics

import (
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Registry holds every crmbot metric and the Go runtime's.
var Registry = prometheus.NewRegistry()

var (
	updatesReceived = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "crmbot_updates_received_total", Help: "Updates received from a platform.",
	}, []string{"platform"})
	updatesHandled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "crmbot_updates_handled_total", Help: "Updates handled to the end.",
	}, []string{"platform"})
	strangers = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "crmbot_stranger_updates_total", Help: "Updates from people not on the team: answered, never stored.",
	}, []string{"platform"})
	handleSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "crmbot_handle_seconds", Help: "Time the engine took to handle a request, by command.",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"command"})
	errorsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "crmbot_errors_total", Help: "Errors by kind.",
	}, []string{"kind"})
	sends = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "crmbot_sends_total", Help: "Messages sent to a platform, by result: ok, 429 (rate limited), permanent, error.",
	}, []string{"platform", "result"})
	nudges = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "crmbot_nudges_total", Help: "Follow-up nudges: due, sent, or deferred to working hours.",
	}, []string{"result"})
	digests = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "crmbot_digests_sent_total", Help: "Digests sent.",
	})
	txSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "crmbot_db_transaction_seconds", Help: "Database transaction duration, by kind (read, write).",
		Buckets: []float64{.0001, .0005, .001, .005, .01, .025, .05, .1, .25, .5, 1},
	}, []string{"kind"})
)

func init() {
	Registry.MustRegister(updatesReceived, updatesHandled, strangers, handleSeconds, errorsTotal,
		sends, nudges, digests, txSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

// UpdateReceived counts an update received from platform.
func UpdateReceived(platform string) { updatesReceived.WithLabelValues(platform).Inc() }

// UpdateHandled counts an update handled to the end.
func UpdateHandled(platform string) { updatesHandled.WithLabelValues(platform).Inc() }

// Stranger counts an update from someone not on the team.
func Stranger(platform string) { strangers.WithLabelValues(platform).Inc() }

// Handled observes how long the engine took for command, which must come from the
// engine's command list (or "text", "button", "other").
func Handled(command string, d time.Duration) {
	handleSeconds.WithLabelValues(command).Observe(d.Seconds())
}

// Error counts an error of kind (a crm error code, "panic", "send"…).
func Error(kind string) { errorsTotal.WithLabelValues(kind).Inc() }

// Sent counts a send to platform with result ok, 429, permanent or error.
func Sent(platform, result string) { sends.WithLabelValues(platform, result).Inc() }

// NudgeQueued counts a nudge decided by the scheduler: due now, or deferred to
// the owner's next working hours.
func NudgeQueued(deferred bool) {
	if deferred {
		nudges.WithLabelValues("deferred").Inc()
	} else {
		nudges.WithLabelValues("due").Inc()
	}
}

// Delivered counts an outbox message sent: a nudge or a digest, told by the key's
// prefix (the scheduler's keys: nudge:…, digest:…, headdigest:…).
func Delivered(key string, ok bool) {
	if !ok {
		return
	}
	switch {
	case strings.HasPrefix(key, "nudge:"):
		nudges.WithLabelValues("sent").Inc()
	case strings.HasPrefix(key, "digest:"), strings.HasPrefix(key, "headdigest:"):
		digests.Inc()
	}
}

// Tx observes a database transaction.
func Tx(write bool, d time.Duration) {
	kind := "read"
	if write {
		kind = "write"
	}
	txSeconds.WithLabelValues(kind).Observe(d.Seconds())
}

var (
	gaugesMu sync.Mutex
	gauges   = map[string]prometheus.Collector{}
)

// Gauge registers a value read at every scrape (database size, outbox depth). A
// second registration of a name replaces the first: a database reopened in the
// same process (a test's second serve) is the one to read.
func Gauge(name, help string, f func() float64) {
	gaugesMu.Lock()
	defer gaugesMu.Unlock()
	if old := gauges[name]; old != nil {
		Registry.Unregister(old)
	}
	g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	Registry.MustRegister(g)
	gauges[name] = g
}
