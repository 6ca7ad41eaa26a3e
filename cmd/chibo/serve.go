package main

import (
	"chibo/flows/members"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"chibo/bot"
	"chibo/bot/filelink"
	"chibo/bot/zalo"
	"chibo/flows/chat"
	"chibo/storage"
)

// plug is one messenger chibo serves. The parts every messenger shares
// (dispatcher, sender, scheduler, metrics, chibo's own HTTP listener) are
// built once by serve; each plug connects, takes its updates and sends
// through its own transport at its own pace.
type plug struct {
	name string
	// limiter paces this messenger's sends, within its own limits.
	limiter bot.Limiter
	// rate is the overall pace limiter keeps, in messages a second.
	rate float64
	// start connects (checks the token, learns the bot's name) and returns
	// the intake, which takes updates until ctx ends and returns nil then.
	start func(ctx context.Context, sh *shared) (intake func(ctx context.Context) error, err error)
	// health reports the messenger's own liveness once connected.
	health func() (ok bool, detail any)

	out     lazyTransport
	up      atomic.Bool
	lastErr atomic.Value // string: the last failure, without secrets
}

// lazyTransport is a plug's transport as the sender sees it. Until the
// plug has first connected, a send waits for the connection up to
// connectWait, then comes back unsent (its attempt not counted) and is
// tried again connectWait later: the replies to updates committed before
// a restart wait for the connection instead of using up their attempts.
// One send at a time waits; the others come back unsent at once and try
// again connectRetry later, so that a messenger that does not connect
// (Zalo's API out of reach) holds one of the sender's slots, not one for
// every send its pace lets through in a second (five at Zalo's default),
// and the other messenger's chats keep the rest.
type lazyTransport struct {
	t       atomic.Pointer[bot.Transport]
	once    sync.Once
	ready   chan struct{} // closed when first set
	waiting atomic.Bool   // a send is waiting for the connection
}

// connectWait is how long a send waits for its transport to connect.
const connectWait = time.Second

// connectRetry is when a send that found another one waiting tries again.
const connectRetry = 100 * time.Millisecond

func (l *lazyTransport) init() { l.once.Do(func() { l.ready = make(chan struct{}) }) }

func (l *lazyTransport) set(t bot.Transport) {
	l.init()
	if l.t.Swap(&t) == nil {
		close(l.ready)
	}
}

// Send implements bot.Transport.
func (l *lazyTransport) Send(ctx context.Context, m chat.Message) error {
	t := l.t.Load()
	if t == nil {
		l.init()
		if !l.waiting.CompareAndSwap(false, true) {
			return &bot.SendError{Outcome: bot.SendRetry, RetryAfter: connectRetry, Unsent: true, Reason: "transport not connected"}
		}
		defer l.waiting.Store(false)
		timer := time.NewTimer(connectWait)
		defer timer.Stop()
		select {
		case <-l.ready:
			t = l.t.Load()
		case <-ctx.Done():
		case <-timer.C:
		}
		if t == nil {
			return &bot.SendError{Outcome: bot.SendRetry, RetryAfter: connectWait, Unsent: true, Reason: "transport not connected"}
		}
	}
	return (*t).Send(ctx, m)
}

// byTransport routes each limiter call to the limiter of the transport the
// sender's key ("transport:chat") names, so each messenger keeps its own
// pace. A messenger's pause of every chat ("zalo:") holds back its own
// chats only; a pause with no transport ("") holds back every one.
type byTransport map[string]bot.Limiter

func (b byTransport) of(key string) bot.Limiter {
	for i := range len(key) {
		if key[i] == ':' {
			if l, ok := b[key[:i]]; ok {
				return l
			}
			break
		}
	}
	return bot.Unlimited{}
}

// Reserve implements bot.Limiter.
func (b byTransport) Reserve(chat string, group bool, now time.Time) (time.Duration, bool) {
	return b.of(chat).Reserve(chat, group, now)
}

// Done implements bot.Limiter.
func (b byTransport) Done(chat string, group bool, now time.Time) { b.of(chat).Done(chat, group, now) }

// Hold implements bot.Limiter.
func (b byTransport) Hold(chat string, group bool, now time.Time) { b.of(chat).Hold(chat, group, now) }

// Pause implements bot.Limiter.
func (b byTransport) Pause(chat string, until time.Time) {
	if chat != "" {
		b.of(chat).Pause(chat, until)
		return
	}
	for _, l := range b {
		l.Pause("", until)
	}
}

// shared is what every plug uses.
type shared struct {
	cfg        Config
	d          *deps
	now        func() time.Time
	m          *metrics
	dispatcher *bot.Dispatcher
	sender     *bot.Sender
	// mux is chibo's own HTTP listener (Config.Listen): /healthz of every
	// messenger, /metrics, the Zalo webhook and the file links. Nil when
	// not listening.
	mux *http.ServeMux

	mu       sync.RWMutex
	hooks    map[int]func() // called after each commit of the dispatcher
	nextHook int
	handlers map[string]*atomic.Pointer[http.Handler]
	// files publishes pictures and files at links; nil without a public URL.
	files  *filelink.Store
	plugs  []*plug
	single bool // one messenger only: its failure ends chibo, as before
}

// handleOnce mounts h on chibo's listener at pattern, the first time only (a
// messenger that reconnects mounts its handler again). The handler that
// answers is the latest one given.
func (sh *shared) handleOnce(pattern string, h http.Handler) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.handlers == nil {
		sh.handlers = map[string]*atomic.Pointer[http.Handler]{}
	}
	cur, ok := sh.handlers[pattern]
	if !ok {
		cur = &atomic.Pointer[http.Handler]{}
		sh.handlers[pattern] = cur
		sh.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*cur.Load()).ServeHTTP(w, r) }))
	}
	cur.Store(&h)
}

// links is how files go on messengers that cannot carry them: a signed,
// expiring link when chibo has a public URL, else a note on where to get
// the file; in the recipient's language.
func (sh *shared) links() zalo.Links {
	return zalo.FileNotes{DB: sh.d.DB, Catalog: sh.d.Catalog, Files: sh.files, Lang: sh.cfg.Lang, Zone: sh.cfg.zone}
}

// onCommit adds a hook called after each commit.
// onCommit calls f after each commit of the dispatcher until remove is
// called (a messenger that restarts registers its own again).
func (sh *shared) onCommit(f func()) (remove func()) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.hooks == nil {
		sh.hooks = map[int]func(){}
	}
	id := sh.nextHook
	sh.nextHook++
	sh.hooks[id] = f
	return func() {
		sh.mu.Lock()
		defer sh.mu.Unlock()
		delete(sh.hooks, id)
	}
}

func (sh *shared) committed() {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	for _, f := range sh.hooks {
		f()
	}
}

// serve serves every messenger whose token is set until ctx ends. It shuts
// down in order: intake stops, the dispatcher finishes its batches, cron
// stops, then the sender finishes its sends.
func serve(ctx context.Context, cfg Config, d *deps, now func() time.Time, plugs []*plug) error {
	sh := &shared{cfg: cfg, d: d, now: now, m: newMetrics(d.DB), plugs: plugs, single: len(plugs) == 1}
	sh.sender = sh.newSender()
	sh.onCommit(sh.sender.Notify)
	sh.dispatcher = bot.NewDispatcher(d.DB, d.Engine, bot.DispatcherOptions{Log: d.Log, Now: now, OnDispatched: sh.m.dispatched, OnCommit: sh.committed,
		// The replies just committed go to the sender as they are: it
		// need not read them back nor decode them.
		OnEnqueued: sh.sender.Offer})

	sendCtx, stopSender := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	ictx, stopIntake := context.WithCancelCause(ctx)
	defer stopIntake(nil)
	wg.Go(func() {
		// A sender that cannot read its outbox for minutes ends the process
		// (exit non-zero) so its supervisor restarts it: taking updates that
		// are never answered is worse than a restart.
		if err := sh.sender.Run(sendCtx); err != nil {
			d.Log.Error("sender stopped", "err", err)
			stopIntake(err)
		}
	})
	sched := sh.newScheduler()
	if err := sched.Start(); err != nil {
		stopSender()
		wg.Wait()
		return err
	}
	wg.Go(func() { keepMappedUnder(ictx, d.DB, mappedBudget, mappedEvery, d.Log) })
	httpDone := sh.startHTTP(ictx, stopIntake, &wg)
	var intakes sync.WaitGroup
	for _, p := range plugs {
		intakes.Go(func() {
			if err := sh.supervise(ictx, p); err != nil {
				stopIntake(err)
			}
		})
	}
	intakes.Wait()
	if httpDone != nil {
		if err := <-httpDone; err != nil {
			d.Log.Error("http listener stopped", "err", err)
		}
	}
	// Intake has stopped: let the batches in flight commit, stop cron and
	// wait for a running tick, then let the sender finish what it is
	// sending. main closes the database last.
	sh.dispatcher.Close()
	sched.Stop()
	stopSender()
	wg.Wait()
	st := sh.sender.Stats()
	d.Log.Info("chibo stopped", "sent", st.Sent, "failed", st.Failed, "unmarked", st.Unmarked)
	if err := context.Cause(ictx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// newSender makes the sender for every messenger plugged in, paced by each
// one's limiter.
func (sh *shared) newSender() *bot.Sender {
	d := sh.d
	transports := map[string]bot.Transport{}
	limits := byTransport{}
	rate := 0.0
	for _, p := range sh.plugs {
		rate += p.rate
		transports[p.name] = &p.out
		limits[p.name] = p.limiter
		sh.m.transportUp.WithLabelValues(p.name).Set(0)
	}
	return bot.NewSender(d.DB, transports, bot.SenderOptions{
		Limiter: limits,
		// As many sends in flight as the messengers' pace needs: 8 at
		// Telegram's 30/s, more (up to 32) at a raised CHIBO_RATE.
		Concurrency: bot.ConcurrencyFor(rate),
		// A 403 means the person blocked the bot (or it left the group):
		// the member is marked unreachable, which secretaries see.
		OnBlocked: func(tx *storage.Tx, it *storage.OutboxItem) error {
			return members.MarkUnreachable(tx, it.Transport, it.Chat, it.Ended)
		},
		Log:      d.Log,
		Now:      sh.now,
		OnResult: sh.m.sent,
		Draw:     d.Engine.Draw,
	})
}

// newScheduler makes the reminders' scheduler: the first tick catches up
// what fell due while chibo was down.
func (sh *shared) newScheduler() *bot.Scheduler {
	return bot.NewScheduler(sh.d.DB, sh.d.Engine, bot.SchedulerOptions{
		Log:        sh.d.Log,
		Now:        sh.now,
		OnCommit:   sh.sender.Notify,
		OnTick:     sh.m.ticked,
		BackupDir:  sh.cfg.BackupDir,
		BackupKeep: sh.cfg.BackupKeep,
		BackupSpec: "CRON_TZ=" + sh.cfg.zone.String() + " 30 2 * * *", // 02:30, when cells are quiet
	})
}

// startHTTP opens the file links (with CHIBO_PUBLIC_URL) and chibo's own
// listener (with CHIBO_LISTEN: /healthz, /metrics, the files), and returns
// the channel the listener reports its end on, or nil without one. A
// failure stops intake.
func (sh *shared) startHTTP(ictx context.Context, stopIntake context.CancelCauseFunc, wg *sync.WaitGroup) chan error {
	cfg := sh.cfg
	if cfg.PublicURL != "" {
		files, err := filelink.Open(sh.d.DB, cfg.PublicURL, time.Duration(cfg.LinkHours)*time.Hour, sh.now)
		if err != nil {
			stopIntake(err)
		}
		sh.files = files
	}
	if cfg.Listen == "" {
		return nil
	}
	sh.mux = http.NewServeMux()
	sh.mux.Handle("/healthz", sh.healthHandler())
	sh.mux.Handle("/metrics", sh.m.handler())
	if sh.files != nil {
		sh.mux.Handle("GET "+filelink.Prefix, sh.files)
		wg.Go(func() { sh.sweepFiles(ictx) })
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		stopIntake(err)
		return nil
	}
	httpDone := make(chan error, 1)
	go func() { httpDone <- serveHTTP(ictx, ln, sh.mux) }()
	return httpDone
}

// sweepFiles deletes files whose links expired, every hour.
func (sh *shared) sweepFiles(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := sh.files.Sweep(); err != nil {
			sh.d.Log.Error("expired file links not deleted", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// supervise runs one messenger until ctx ends. A failure to connect or of
// its intake is logged and retried with back-off, so one messenger's outage
// does not stop another; served alone, its failure ends chibo (exit 1), as
// before chibo served several.
func (sh *shared) supervise(ctx context.Context, p *plug) error {
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		intake, err := p.start(ctx, sh)
		if err == nil {
			p.up.Store(true)
			sh.m.transportUp.WithLabelValues(p.name).Set(1)
			backoff = 0
			err = intake(ctx)
			p.up.Store(false)
			sh.m.transportUp.WithLabelValues(p.name).Set(0)
		}
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			err = errors.New("intake stopped")
		}
		err = fmt.Errorf("%s: %w", p.name, err)
		if sh.single {
			return err
		}
		p.lastErr.Store(err.Error())
		backoff = min(max(2*backoff, time.Second), 5*time.Minute)
		sh.d.Log.Error("messenger failed; retrying, the others go on", "transport", p.name, "err", err, "in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
	return nil
}

// transportHealth is one messenger in /healthz.
type transportHealth struct {
	OK        bool   `json:"ok"`
	Connected bool   `json:"connected"`
	LastError string `json:"last_error,omitempty"`
	Detail    any    `json:"detail,omitempty"`
}

// healthHandler serves the health of every messenger and of the database:
// 200 when all are well, 503 otherwise.
func (sh *shared) healthHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := struct {
			OK            bool                       `json:"ok"`
			DBReadable    bool                       `json:"db_readable"`
			OutboxPending int                        `json:"outbox_pending"`
			Sender        string                     `json:"sender_error,omitempty"`
			Transports    map[string]transportHealth `json:"transports"`
		}{OK: true, Transports: map[string]transportHealth{}}
		if err := sh.d.DB.View(func(tx *storage.Tx) error { out.OutboxPending = tx.PendingCount(); return nil }); err == nil {
			out.DBReadable = true
		} else {
			out.OK = false
		}
		if err := sh.sender.Healthy(); err != nil {
			out.OK, out.Sender = false, err.Error()
		}
		for _, p := range sh.plugs {
			h := transportHealth{Connected: p.up.Load()}
			h.LastError, _ = p.lastErr.Load().(string)
			if h.Connected && p.health != nil {
				h.OK, h.Detail = p.health()
			} else {
				h.OK = h.Connected
			}
			out.OK = out.OK && h.OK
			out.Transports[p.name] = h
		}
		w.Header().Set("Content-Type", "application/json")
		if !out.OK {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(out)
	})
}

// serveHTTP serves h on ln until ctx ends, then waits for requests in
// flight (at most 10 s).
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
