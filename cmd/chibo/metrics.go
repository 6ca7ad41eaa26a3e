package main

import (
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"chibo/bot"
	"chibo/storage"
)

// metrics are chibo's Prometheus metrics, on a registry of their own (no
// global state). Labels are results and modes, never ids or names.
type metrics struct {
	reg           *prometheus.Registry
	updates       *prometheus.CounterVec
	latency       prometheus.Histogram
	sends         *prometheus.CounterVec
	remindersDue  prometheus.Counter
	remindersSent prometheus.Counter
	// transportUp and transportSends tell the messengers apart.
	transportUp    *prometheus.GaugeVec
	transportSends *prometheus.CounterVec
}

func newMetrics(db *storage.DB) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chibo_updates_total",
			Help: "Incoming updates handled, by result: ok (committed) or error (not committed; the messenger sends them again).",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "chibo_update_handling_seconds",
			Help:    "Time from handing an update to the dispatcher until its effects are committed.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chibo_sends_total",
			Help: "Send attempts by result: sent, retry, blocked, permanent, failed (gave up), unmarked (sent, row not marked).",
		}, []string{"result"}),
		remindersDue: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chibo_reminders_due_total",
			Help: "Reminders and notices that fell due and were put in the outbox by the scheduler.",
		}),
		remindersSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chibo_reminders_sent_total",
			Help: "Reminders (outbox keys reminder/…) the messenger accepted.",
		}),
		transportUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "chibo_transport_up",
			Help: "1 while chibo is connected to the messenger and taking its updates, 0 while it (re)connects.",
		}, []string{"transport"}),
		transportSends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chibo_transport_sends_total",
			Help: "Send attempts by messenger and result (as chibo_sends_total).",
		}, []string{"transport", "result"}),
	}
	for _, r := range []string{"ok", "error"} {
		m.updates.WithLabelValues(r)
	}
	for _, r := range []string{bot.ResultSent, bot.ResultRetry, bot.ResultBlocked, bot.ResultPermanent, bot.ResultFailed, bot.ResultUnmarked} {
		m.sends.WithLabelValues(r) // every result shows, at 0, before it first happens
	}
	m.reg.MustRegister(m.updates, m.latency, m.sends, m.remindersDue, m.remindersSent, m.transportUp, m.transportSends,
		dbCollector{db: db},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	// A collector that fails (say /proc hidden by systemd hardening) drops
	// its own metrics, not the whole scrape.
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorHandling: promhttp.ContinueOnError})
}

// dispatched is the dispatcher's OnDispatched: every update of a batch waits
// for the batch's commit, so each observes the batch's time.
func (m *metrics) dispatched(events int, took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.updates.WithLabelValues(result).Add(float64(events))
	for range events {
		m.latency.Observe(took.Seconds())
	}
}

// sent is the sender's OnResult.
func (m *metrics) sent(it *storage.OutboxItem, result string) {
	m.sends.WithLabelValues(result).Inc()
	m.transportSends.WithLabelValues(it.Transport, result).Inc()
	if result == bot.ResultSent && strings.HasPrefix(it.Key, "reminder/") {
		m.remindersSent.Inc()
	}
}

// ticked is the scheduler's OnTick.
func (m *metrics) ticked(enqueued int) { m.remindersDue.Add(float64(enqueued)) }

// dbCollector reads the gauges that live in the database at each scrape, in
// one read transaction.
type dbCollector struct{ db *storage.DB }

var (
	descBacklog = prometheus.NewDesc("chibo_outbox_pending", "Outbox rows not yet sent or failed.", nil, nil)
	descOldest  = prometheus.NewDesc("chibo_outbox_oldest_pending_seconds", "Age of the oldest pending outbox row (0 when none).", nil, nil)
	descConvs   = prometheus.NewDesc("chibo_conversations_in_progress", "Conversations started and not finished, cancelled or expired.", nil, nil)
	descDBUp    = prometheus.NewDesc("chibo_db_readable", "1 when the database answered this scrape.", nil, nil)
)

func (c dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descBacklog
	ch <- descOldest
	ch <- descConvs
	ch <- descDBUp
}

func (c dbCollector) Collect(ch chan<- prometheus.Metric) {
	var backlog, convs int
	var oldest float64
	err := c.db.View(func(tx *storage.Tx) error {
		backlog, convs = tx.PendingCount(), tx.CountConvs()
		rows, err := tx.PendingAfter(0, 1)
		if err != nil {
			return err
		}
		if len(rows) > 0 {
			oldest = max(time.Since(rows[0].Created).Seconds(), 0)
		}
		return nil
	})
	if err != nil {
		ch <- prometheus.MustNewConstMetric(descDBUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descDBUp, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(descBacklog, prometheus.GaugeValue, float64(backlog))
	ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, oldest)
	ch <- prometheus.MustNewConstMetric(descConvs, prometheus.GaugeValue, float64(convs))
}
