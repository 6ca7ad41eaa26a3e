package flows

import (
	"chibo/bot"
	"chibo/flows/commune"
	"chibo/flows/core"
	"chibo/flows/meetings"
	"chibo/flows/privacy"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"chibo/flows/chat"
	"chibo/storage"
)

// A generated province, to measure chibo at the size one bot token serves
// (issue 15). The sizes are flags so that CI runs a small one and anyone can
// reproduce the README's figures on a large one:
//
//	go test ./flows -run '^$' -bench Province -benchtime 20x \
//	    -province.cells=1000 -province.big=5 -province.months=24
var (
	provinceCells  = flag.Int("province.cells", 50, "cells of 20 members in the generated province")
	provinceBig    = flag.Int("province.big", 1, "cells of 200 members in the generated province")
	provinceMonths = flag.Int("province.months", 24, "months of closed meetings and check-ins")
	provinceKeep   = flag.String("province.keep", "", "copy the generated file there (to serve it, e.g. TestBinary_residentAtFirstPoll)")
)

// province is what the generator made: the ids the benchmarks use.
type province struct {
	cells    []uint64 // every cell; the big ones first
	big      int      // how many cells of 200 there are
	member   string   // user id of a plain member
	members  int
	checkins int
	marks    int
	size     int64 // bytes of the file
}

// provinceTime is "now" in a generated province: mid-month, mid-afternoon,
// when no reminder of the generated records falls due.
func provinceTime(zone *time.Location) time.Time {
	return time.Date(2026, 12, 15, 14, 0, 0, 0, zone)
}

// genProvince fills h's database through the storage API, one transaction
// per cell: cells of 20 (and a few of 200) members with a secretary, a
// far-away group led by a member and one far-away member in ten checking in
// monthly, a residence link per cell, and a closed regular meeting with its
// roll every month.
func genProvince(tb testing.TB, h *harness) *province {
	tb.Helper()
	p := genProvinceOf(tb, h, *provinceCells, *provinceBig)
	if *provinceKeep != "" {
		if err := h.db.BackupFile(*provinceKeep); err != nil {
			tb.Fatal(err)
		}
	}
	return p
}

// genProvinceOf generates a province of the given numbers of cells of 20
// and of 200 members.
func genProvinceOf(tb testing.TB, h *harness, cells, big int) *province {
	tb.Helper()
	h.now = provinceTime(h.zone)
	p := &province{big: big}
	var orgID uint64
	if err := h.db.Update(func(tx *storage.Tx) error {
		org := &storage.Organization{Name: "Đảng bộ tỉnh Thử", Created: h.now}
		err := tx.PutOrg(org)
		orgID = org.ID
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	start := h.now.AddDate(0, -*provinceMonths, 0)
	total := big + cells
	for c := range total {
		size := 20
		if c < big {
			size = 200
		}
		if err := h.db.Update(func(tx *storage.Tx) error { return genCell(tx, h, p, orgID, c, size, start) }); err != nil {
			tb.Fatal(err)
		}
	}
	// A residence link per cell: a member of each cell lives in the next.
	if err := h.db.Update(func(tx *storage.Tx) error {
		for i, cellID := range p.cells {
			ms, err := tx.Members(cellID)
			if err != nil {
				return err
			}
			l := &storage.ResidenceLink{MemberID: ms[len(ms)-1].ID, CellID: p.cells[(i+1)%len(p.cells)], Workplace: "Sở Tài chính", WorkplaceOrg: "Đảng bộ Sở",
				Introduced: start, Status: storage.ResidenceWithComment, RequestedBy: ms[len(ms)-1].ID, RequestedAt: start, ConfirmedAt: start}
			if err := tx.PutResidenceLink(l); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	if fi, err := os.Stat(h.path); err == nil {
		p.size = fi.Size()
	}
	if err := h.db.View(func(tx *storage.Tx) error {
		tb.Logf("data size %d bytes: %.0f bytes per member-year", tx.Size(), float64(tx.Size())/float64(p.members)/(float64(*provinceMonths)/12))
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("province: %d cells, %d members, %d attendance marks, %d check-ins, %d MB", len(p.cells), p.members, p.marks, p.checkins, p.size>>20)
	return p
}

func genCell(tx *storage.Tx, h *harness, p *province, orgID uint64, c, size int, start time.Time) error {
	cell := &storage.Cell{OrgID: orgID, Name: fmt.Sprintf("Chi bộ ấp %d", c+1), Created: start}
	if err := tx.PutCell(cell); err != nil {
		return err
	}
	p.cells = append(p.cells, cell.ID)
	group := &storage.Group{CellID: cell.ID, Name: "Tổ đảng viên đi làm ăn xa"}
	if err := tx.PutGroup(group); err != nil {
		return err
	}
	ms := make([]*storage.Member, size)
	for i := range size {
		user := fmt.Sprintf("u%d-%d", c, i)
		m := &storage.Member{Name: fmt.Sprintf("Nguyễn Văn Đảng Viên %d-%d", c, i), HomeCellID: cell.ID, Lang: "vi",
			Contacts: map[string]string{tr: user, "telegram": strconv.Itoa(1_000_000 + c*1000 + i)},
			Status:   storage.Status{Kind: storage.StatusActive, SetAt: start}, Consent: storage.Consent{Given: true, At: start}, Joined: start}
		m.AddRole(cell.ID, storage.RoleMember)
		if i == 0 {
			m.AddRole(cell.ID, storage.RoleSecretary)
		}
		if i%10 == 9 { // one in ten works far away, with an exemption
			m.GroupID = group.ID
			m.SetStatus(storage.Status{Kind: storage.StatusFarAway, From: start, To: h.now.AddDate(0, 6, 0), Exempt: true, SetBy: ms[0].ID, SetAt: start})
		}
		if err := tx.PutMember(m); err != nil {
			return err
		}
		ms[i] = m
		if m.GroupID != 0 {
			if err := tx.PutFarAway(&storage.FarAway{MemberID: m.ID, Province: "Bình Dương", Exempt: true, SetBy: ms[0].ID, SetAt: start}); err != nil {
				return err
			}
		}
	}
	p.members += size
	if c == p.big { // a plain member of the first small cell
		p.member = ms[5].Contacts[tr]
	}
	group.LeaderID = ms[1].ID
	if err := tx.PutGroup(group); err != nil {
		return err
	}
	for mo := range *provinceMonths {
		if err := genMonth(tx, p, cell, ms, start.AddDate(0, mo, 0)); err != nil {
			return err
		}
	}
	return nil
}

// genMonth writes a month of a cell: its closed regular meeting with the
// roll, and the far-away members' check-ins.
func genMonth(tx *storage.Tx, p *province, cell *storage.Cell, ms []*storage.Member, month time.Time) error {
	at := time.Date(month.Year(), month.Month(), 3, 19, 30, 0, 0, month.Location())
	mt := &storage.Meeting{CellID: cell.ID, Kind: storage.MeetingRegular, Month: at.Format("2006-01"), At: at, State: storage.MeetingClosed,
		Noticed: at.AddDate(0, 0, -3), Started: at, Ended: at.Add(2 * time.Hour), ClosedBy: ms[0].ID, HeldFrom: at, HeldTo: at.Add(2 * time.Hour), Created: at.AddDate(0, 0, -7)}
	t := storage.MeetingTally{Total: len(ms), Minutes: 120, Need: 90, LengthOK: true}
	for i, m := range ms {
		a := mt.Att(m.ID)
		mt.Notified = append(mt.Notified, m.ID)
		switch {
		case m.GroupID != 0:
			a.Outcome = storage.OutcomeExempt
			t.Exempt++
		case i%20 == 7:
			a.RSVP, a.RSVPAt, a.Reason, a.Excuse, a.DecidedBy, a.DecidedAt = storage.RSVPNo, at.AddDate(0, 0, -1), storage.ReasonWork, storage.ExcuseAccepted, ms[0].ID, at.AddDate(0, 0, -1)
			a.Mark, a.MarkedBy, a.MarkedAt, a.MarkVia, a.Outcome = storage.MarkAbsent, ms[0].ID, at, "roll", storage.OutcomeExcused
			t.Excused++
		default:
			a.RSVP, a.RSVPAt = storage.RSVPYes, at.AddDate(0, 0, -1)
			a.Mark, a.MarkedAt, a.MarkVia, a.Outcome = storage.MarkPresent, at.Add(5*time.Minute), "code", storage.OutcomePresent
			t.Present++
		}
		p.marks++
	}
	t.RateOK = t.Present*100 > t.Expected()*85
	t.Standard = t.RateOK && t.LengthOK
	mt.Tally = &t
	if err := tx.PutMeeting(mt); err != nil {
		return err
	}
	period := month.Format("2006-01")
	for _, m := range ms {
		if m.GroupID == 0 {
			continue
		}
		ckAt := time.Date(month.Year(), month.Month(), 26, 20, 0, 0, 0, month.Location())
		ck := &storage.Checkin{MemberID: m.ID, CellID: cell.ID, Period: period, At: ckAt, Updated: ckAt,
			Answers: map[string]string{"place": "Bình Dương, Thủ Dầu Một", "work": "yes", "thoughts": "Không có gì"}}
		if err := tx.PutCheckin(ck); err != nil {
			return err
		}
		p.checkins++
	}
	return nil
}

// BenchmarkProvince generates one province and times, on it, what every
// minute, every request and every start costs.
func BenchmarkProvince(b *testing.B) {
	h := newHarness(b)
	began := time.Now()
	p := genProvince(b, h)
	b.Logf("generated in %s", time.Since(began).Round(time.Second))
	// The first tick catches up whatever the generated records make due
	// (and runs retention once); the ones timed find nothing new.
	first := h.due()
	b.Logf("first tick: %d messages", len(first))

	b.Run("tick", func(b *testing.B) {
		n := 0
		for b.Loop() {
			if err := h.db.Update(func(tx *storage.Tx) error {
				msgs, err := h.e.Due(tx, h.now)
				n += len(msgs)
				return err
			}); err != nil {
				b.Fatal(err)
			}
			h.housekeep() // as bot.Scheduler.Tick: done for the day, one read
		}
		b.ReportMetric(float64(n)/float64(b.N), "msgs/op")
	})
	b.Run("tick-parts", func(b *testing.B) { benchDueParts(b, h) })
	b.Run("tick-rebuilt", func(b *testing.B) { benchDueRebuilt(b, h) })
	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			if got := h.checkDue(); len(got) != 0 {
				b.Fatalf("admin check disagrees on the province: %q", got[:min(len(got), 10)])
			}
		}
	})
	b.Run("housekeeping", func(b *testing.B) {
		var longest time.Duration
		batches := 0
		for b.Loop() {
			if err := h.db.Update(func(tx *storage.Tx) error { return tx.PutMeta(privacy.MetaHousekeepDay, nil) }); err != nil {
				b.Fatal(err)
			}
			for more := true; more; batches++ {
				began := time.Now()
				if err := h.db.Update(func(tx *storage.Tx) (err error) {
					more, err = privacy.Housekeep(h.e, tx, h.now)
					return err
				}); err != nil {
					b.Fatal(err)
				}
				longest = max(longest, time.Since(began))
			}
		}
		b.ReportMetric(float64(batches)/float64(b.N), "batches/op")
		b.ReportMetric(float64(longest.Microseconds())/1000, "longest-batch-ms")
	})
	b.Run("help", func(b *testing.B) {
		for b.Loop() {
			ev := chat.Event{Transport: tr, Kind: chat.EventText, User: p.member, Chat: p.member, ChatKind: chat.ChatPrivate, Text: "/help",
				Key: fmt.Sprintf("bench:%d", h.seq.Add(1)), Time: h.now}
			if err := h.db.Update(func(tx *storage.Tx) error {
				out, err := h.e.Handle(tx, ev)
				if err != nil {
					return err
				}
				return h.enqueue(tx, out)
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The commune's overview of the whole province (one organization):
	// every cell's figures, as /tongquan and the year's rating gather them.
	b.Run("overview", func(b *testing.B) {
		for b.Loop() {
			if err := h.db.View(func(tx *storage.Tx) error {
				c := &core.Ctx{E: h.e, Tx: tx, Now: h.now, Lang: "vi"}
				cell, err := tx.Cell(p.cells[0])
				if err != nil {
					return err
				}
				org, err := tx.Org(cell.OrgID)
				if err != nil {
					return err
				}
				now := h.now.In(h.zone)
				_, err = commune.OrgOverview(c, org, core.Period{Y: now.Year(), M: now.Month()})
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("chatlevels", func(b *testing.B) {
		n := 0
		for b.Loop() {
			if err := h.db.View(func(tx *storage.Tx) error {
				levels, err := benchChatLevels(tx, h.now)
				n = len(levels)
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n), "chats")
	})
	// The per-update cost is to stay within 1.2× of a 2-cell database of
	// the same generator (one cell of 200, one of 20).
	small := newHarness(b)
	ps := genProvinceOf(b, small, 1, 1)
	small.due()                                                               // as the province: the first tick's catch-up, then nothing new
	b.Run("rsvp", func(b *testing.B) { benchRSVP(b, h, p, small, ps, true) }) // as served
	b.Run("rsvp-nosync", func(b *testing.B) { benchRSVP(b, h, p, small, ps, false) })
	b.Run("migrate-v6", func(b *testing.B) { benchMigrateV6(b, h) })
	b.Run("year200", func(b *testing.B) {
		if *provinceBig == 0 {
			b.Skip("no 200-member cell (-province.big=0)")
		}
		// CPU time, beside the wall time: on a shared machine it is the
		// figure that does not depend on the other processes.
		cpu0 := cpuTime()
		defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op") }()
		for b.Loop() {
			if err := h.db.View(func(tx *storage.Tx) error {
				cell, err := tx.Cell(p.cells[0])
				if err != nil {
					return err
				}
				c := &core.Ctx{E: h.e, Tx: tx, Now: h.now, Lang: "vi"}
				_, err = meetings.AttendanceYear(c, cell, 2026)
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchMigrateV6 makes the province's file what schema 5 wrote (without the
// indexes of schema 6) and times the migration when it is opened again.
func benchMigrateV6(b *testing.B, h *harness) {
	for b.Loop() {
		b.StopTimer()
		if err := h.db.Close(); err != nil {
			b.Fatal(err)
		}
		raw, err := bolt.Open(h.path, 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := raw.Update(func(tx *bolt.Tx) error {
			for _, name := range []string{"groupcells", "leaders", "roleholders", "cellleaders", "chatmenus", "periodcells", "checkincells"} {
				if err := tx.DeleteBucket([]byte(name)); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
			return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte{0, 0, 0, 0, 0, 0, 0, 5})
		}); err != nil {
			b.Fatal(err)
		}
		if err := raw.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		h.open()
	}
}

// benchChatLevels is the storage part of cmd/chibo's chatLevels: the menu
// level of everyone who sees more than the members' menu.
func benchChatLevels(tx *storage.Tx, now time.Time) (map[string]core.MenuLevel, error) {
	return core.ChatLevels(tx, "telegram", now)
}

// benchDueParts times each source of due work run for every cell, in its
// own write transaction (rolled back), and reports each one's time: what a
// full recomputation (a tick before the due-work index, or admin check)
// costs, and where it goes.
func benchDueParts(b *testing.B, h *harness) {
	spent := make([]time.Duration, len(h.e.Dues))
	for b.Loop() {
		for i, d := range h.e.Dues {
			began := time.Now()
			err := h.db.Update(func(tx *storage.Tx) error {
				cells, err := tx.Cells()
				if err != nil {
					return err
				}
				for j := range cells {
					if _, err := d.F(&core.Ctx{E: h.e, Tx: tx, Now: h.now, Lang: h.e.Cfg.DefaultLang}, &cells[j]); err != nil {
						return err
					}
				}
				return errRollback
			})
			if err != errRollback {
				b.Fatal(err)
			}
			spent[i] += time.Since(began)
		}
	}
	for i, d := range h.e.Dues {
		b.ReportMetric(float64(spent[i].Microseconds())/1000/float64(b.N), "ms/"+d.Name)
	}
}

// errRollback ends a transaction whose writes are to be thrown away.
var errRollback = errors.New("rollback")

// benchDueRebuilt times the tick after a start (the due-work index rebuilt,
// every cell looked at once) as the scheduler runs it, a transaction per
// due row, and reports the longest of those transactions.
func benchDueRebuilt(b *testing.B, h *harness) {
	var longest, longestWork time.Duration // the whole transaction; its work before the commit
	var longestCPU time.Duration           // the CPU time of the transaction's thread, commit included
	longestRow := ""
	steps := 0
	runtime.LockOSThread() // for threadCPU: bbolt runs the transaction on this goroutine
	defer runtime.UnlockOSThread()
	for b.Loop() {
		b.StopTimer()
		if err := h.db.RebuildDue(true); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		var after []byte
		for more := true; more; {
			began, cpu := time.Now(), threadCPU()
			if err := h.db.Update(func(tx *storage.Tx) error {
				defer func() { longestWork = max(longestWork, time.Since(began)) }()
				msgs, key, ok, err := h.e.DueStep(tx, h.now, after)
				if err != nil {
					return err
				}
				after, more = key, ok
				return h.enqueue(tx, msgs)
			}); err != nil {
				b.Fatal(err)
			}
			longestCPU = max(longestCPU, threadCPU()-cpu)
			if d := time.Since(began); d > longest {
				longest, longestRow = d, fmt.Sprintf("%x", after)
			}
			steps++
		}
	}
	b.Logf("longest transaction: %s for the row %s", longest, longestRow)
	b.ReportMetric(float64(steps)/float64(b.N), "txs/op")
	b.ReportMetric(float64(longest.Microseconds())/1000, "longest-tx-ms")
	b.ReportMetric(float64(longestWork.Microseconds())/1000, "longest-work-ms")
	b.ReportMetric(float64(longestCPU.Microseconds())/1000, "longest-tx-cpu-ms")
}

// benchRSVP times a member's "I will attend" on a meeting's notice, pressed
// as serving handles it: the event through bot's dispatcher (the group
// commit of one event, with the getUpdates offset as Telegram's intake
// writes it) and the engine of every journey, commit included (with fsync
// as served when fsync is set), the replies marked sent between turns as
// the sender would have.
// It presses on the province and on a 2-cell file of the same generator
// in turns, a tenth of b.N each turn, so that both meet the same load of
// the machine: ns/op is the province's press, 2cells-ns/op the small
// file's, ratio the one over the other (the 1.2×); the same for
// the CPU time of a press.
func benchRSVP(b *testing.B, big *harness, pb *province, small *harness, ps *province, fsync bool) {
	// Both files are served by a chibo started on them (with fsync as
	// served, when fsync is set): Open gives the free pages the generator
	// left to the reserve, as it does for a file of any history.
	for _, h := range []*harness{big, small} {
		h.db.Close()
		h.fsync = fsync
		h.open()
		var reserved int
		if err := h.db.View(func(tx *storage.Tx) error { reserved = tx.ReservedPages(); return nil }); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %d pages in the reserve", filepath.Base(filepath.Dir(h.path)), reserved)
	}
	presser := [2]*rsvpPresser{newRSVPPresser(b, big, pb), newRSVPPresser(b, small, ps)}
	defer presser[0].d.Close()
	defer presser[1].d.Close()
	runtime.LockOSThread() // for threadCPU: a lone event commits on the calling goroutine
	defer runtime.UnlockOSThread()
	turn := max(b.N/10, 1)
	for done := 0; done < b.N; done += turn {
		n := min(turn, b.N-done)
		for i := range presser { // which goes first alternates
			r := presser[(done/turn+i)%2]
			r.pressN(b, n)
			sendPending(b, r.h) // untimed: serving, the sender keeps the pending index near empty
		}
	}
	for _, r := range presser {
		r.verify(b)
	}
	perOp := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(perOp(presser[0].wall), "ns/op")
	b.ReportMetric(perOp(presser[1].wall), "2cells-ns/op")
	b.ReportMetric(float64(presser[0].wall)/float64(presser[1].wall), "ratio")
	if presser[1].cpu > 0 {
		b.ReportMetric(perOp(presser[0].cpu)/1000, "cpu-µs/op")
		b.ReportMetric(perOp(presser[1].cpu)/1000, "2cells-cpu-µs/op")
		b.ReportMetric(float64(presser[0].cpu)/float64(presser[1].cpu), "cpu-ratio")
	}
}

// rsvpPresser presses the RSVP buttons of the members of a province's first
// cell of 20, each on an open meeting they have not answered; a new meeting
// is made (untimed) when every member answered.
type rsvpPresser struct {
	h          *harness
	d          *bot.Dispatcher
	cellID     uint64
	ms         []storage.Member
	voters     []storage.Member // expected at a meeting: not the far-away ones
	meetingIDs []uint64
	next       int
	wall, cpu  time.Duration // of the presses
}

func newRSVPPresser(b *testing.B, h *harness, p *province) *rsvpPresser {
	r := &rsvpPresser{h: h, cellID: p.cells[p.big]}
	if err := h.db.View(func(tx *storage.Tx) (err error) {
		r.ms, err = tx.Members(r.cellID)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	for _, m := range r.ms {
		if m.GroupID == 0 {
			r.voters = append(r.voters, m)
		}
	}
	r.next = len(r.voters)
	sendPending(b, h)
	r.d = bot.NewDispatcher(h.db, h.e, bot.DispatcherOptions{Now: func() time.Time { return h.now }})
	return r
}

// pressN presses n times, timing each press.
func (r *rsvpPresser) pressN(b *testing.B, n int) {
	h := r.h
	for range n {
		if r.next == len(r.voters) {
			r.meetingIDs = append(r.meetingIDs, openMeeting(b, h, r.cellID, r.ms))
			r.next = 0
		}
		m := r.voters[r.next]
		r.next++
		ev := chat.Event{Transport: tr, Kind: chat.EventButton, User: m.Contacts[tr], Chat: m.Contacts[tr], ChatKind: chat.ChatPrivate,
			Data: fmt.Sprintf("rsvp:%d:y", r.meetingIDs[len(r.meetingIDs)-1]), MessageID: "1", Key: fmt.Sprintf("bench:%d", h.seq.Add(1)), Time: h.now}
		offset := h.seq.Load()
		c0, w0 := threadCPU(), time.Now()
		// As Telegram's intake: the getUpdates offset in the event's commit.
		if err := r.d.DispatchThen(context.Background(), []chat.Event{ev}, func(tx *storage.Tx) error { return tx.PutMetaInt("telegram.offset.bench", offset) }); err != nil {
			b.Fatal(err)
		}
		r.wall += time.Since(w0)
		r.cpu += threadCPU() - c0
	}
}

// verify checks that every press was an answer recorded, not a refusal.
func (r *rsvpPresser) verify(b *testing.B) {
	for i, id := range r.meetingIDs {
		mt := r.h.meeting(id)
		want := len(r.voters)
		if i == len(r.meetingIDs)-1 {
			want = r.next
		}
		yes := 0
		for _, a := range mt.Roll {
			if a.RSVP == storage.RSVPYes {
				yes++
			}
		}
		if yes != want {
			b.Fatalf("meeting %d: %d answered yes, want %d", id, yes, want)
		}
	}
}

// sendPending marks every pending outbox row sent, as the sender would
// have done with the first tick's catch-up long before: serving, the
// pending index holds what is not yet sent, not every message of the day.
func sendPending(tb testing.TB, h *harness) {
	tb.Helper()
	for more := true; more; {
		err := h.db.Update(func(tx *storage.Tx) error {
			rows, err := tx.PendingAfter(0, 1000)
			for i := range rows {
				rows[i].State, rows[i].Ended = storage.OutboxSent, h.now
				if err == nil {
					err = tx.UpdateOutbox(&rows[i])
				}
			}
			more = len(rows) > 0
			return err
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// openMeeting makes a planned regular meeting of the cell in three days,
// noticed to its members, and returns its id.
func openMeeting(tb testing.TB, h *harness, cellID uint64, ms []storage.Member) uint64 {
	tb.Helper()
	at := h.now.AddDate(0, 0, 3)
	mt := &storage.Meeting{CellID: cellID, Kind: storage.MeetingRegular, Month: at.Format("2006-01"), At: at, State: storage.MeetingPlanned,
		Noticed: h.now, Created: h.now}
	for _, m := range ms {
		mt.Notified = append(mt.Notified, m.ID)
	}
	if err := h.db.Update(func(tx *storage.Tx) error { return tx.PutMeeting(mt) }); err != nil {
		tb.Fatal(err)
	}
	return mt.ID
}
