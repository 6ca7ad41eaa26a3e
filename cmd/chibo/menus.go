package main

import (
	"bytes"
	"chibo/flows/core"
	"context"
	"encoding/binary"
	"log/slog"
	"strconv"
	"time"

	"chibo/bot/telegram"
	"chibo/storage"
)

// chatLevels lists the Telegram private chats of people who see more than
// the members' menu (secretaries, deputies, group leaders, organization
// admins, the commune's committee), with their level at now. It reads the
// role holders, not every member.
func chatLevels(db *storage.DB, now time.Time) map[int64]core.MenuLevel {
	out := map[int64]core.MenuLevel{}
	_ = db.View(func(tx *storage.Tx) error {
		levels, err := core.ChatLevels(tx, telegram.Name, now)
		for user, level := range levels {
			if id, err := strconv.ParseInt(user, 10, 64); err == nil && id > 0 {
				out[id] = level
			}
		}
		return err
	})
	return out
}

// menuRefresher keeps each person's "/" menu in step with their role: a new
// secretary or group leader gets the fuller menu, one who lost the role the
// members' menu again. It looks at most every few seconds, after commits,
// and every hour for the commune's roles, which begin and end by date.
// The menu set in each chat is remembered in the database, so a start sends
// only the menus that changed while chibo was down (none, usually).
type menuRefresher struct {
	tg     *telegram.Telegram
	db     *storage.DB
	engine *core.Engine
	langs  []string // the languages a menu is set in: the default, then telegram.MenuLangs
	log    *slog.Logger
	wake   chan struct{}
	// seen is the storage's menus version when every menu was last found
	// right, at lookedAt (owned by refresh); a commit that changed no role
	// is skipped, unless a commune role began or ended since.
	seen     uint64
	lookedAt time.Time
	looked   bool
}

func newMenuRefresher(tg *telegram.Telegram, db *storage.DB, e *core.Engine, log *slog.Logger, defaultLang string) *menuRefresher {
	return &menuRefresher{tg: tg, db: db, engine: e, langs: append([]string{defaultLang}, telegram.MenuLangs...), log: log, wake: make(chan struct{}, 1)}
}

func (m *menuRefresher) notify() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// refresh sets the menu of every chat whose menu is not the one its level
// calls for, and remembers it.
func (m *menuRefresher) refresh(ctx context.Context) {
	var set map[string][]byte
	var version uint64
	release := m.releaseStamp()
	now := m.engine.Now()
	_ = m.db.View(func(tx *storage.Tx) error {
		version = tx.MenusVersion()
		if v, at, rel, ok := parseMenusRight(tx.Meta(metaMenusRight)); !m.looked && ok && v == version && bytes.Equal(rel, release) {
			// A start after one that found every menu right, with no role
			// changed since and the same menus in this release: nothing
			// to look at (at a province's size the look reads every role
			// holder).
			m.seen, m.lookedAt, m.looked = version, at, true
		}
		turned := false
		if m.looked && version == m.seen {
			var err error
			if turned, err = tx.CommuneRolesTurned(m.lookedAt, now); err != nil {
				turned = true // a role that does not decode: look rather than trust the last look
			}
		}
		if !m.looked || version != m.seen || turned {
			set = tx.ChatMenus(telegram.Name)
		}
		return nil
	})
	if set == nil {
		return // no role changed since every menu was right
	}
	allSet := true
	levels := chatLevels(m.db, now)
	for chat := range set { // chats that lost their role get the members' menu
		if id, err := strconv.ParseInt(chat, 10, 64); err == nil {
			if _, ok := levels[id]; !ok {
				levels[id] = core.MenuMember
			}
		}
	}
	stamps := map[core.MenuLevel][]byte{}
	// What was set is remembered a hundred chats to a transaction (a
	// province's first start sets thousands), and at a stop what was set.
	remembered := map[string][]byte{}
	remember := func(meta []byte) {
		if len(remembered) == 0 && meta == nil {
			return
		}
		if err := m.db.Update(func(tx *storage.Tx) error {
			for chat, stamp := range remembered {
				if err := tx.PutChatMenu(telegram.Name, chat, stamp); err != nil {
					return err
				}
			}
			if meta != nil {
				return tx.PutMeta(metaMenusRight, meta)
			}
			return nil
		}); err != nil {
			m.log.Warn("chat menus not remembered", "err", err)
		}
		clear(remembered)
	}
	defer remember(nil)
	for chat, level := range levels {
		if stamps[level] == nil {
			stamps[level] = m.engine.MenuStamp(level, m.langs)
		}
		key := strconv.FormatInt(chat, 10)
		if bytes.Equal(set[key], stamps[level]) {
			continue
		}
		menu := func(lang string) []core.MenuItem { return m.engine.Menu(lang, level) }
		if err := m.tg.SetChatCommands(ctx, menu, []int64{chat}); err != nil {
			if ctx.Err() != nil {
				return // stopping: the next start looks again
			}
			m.log.Warn("chat menu not set", "err", err)
			allSet = false
			continue
		}
		if remembered[key] = stamps[level]; len(remembered) == rememberBatch {
			remember(nil)
		}
	}
	m.seen, m.looked = version, allSet
	if allSet {
		m.lookedAt = now
		remember(menusRight(version, now, release))
	}
}

// rememberBatch is how many chats' menus one transaction remembers.
const rememberBatch = 100

// setDefault sets everyone's menu (the bot's default), unless it was set
// in this release's words already.
func (m *menuRefresher) setDefault(ctx context.Context) {
	stamp := m.engine.MenuStamp(core.MenuMember, m.langs)
	var set []byte
	_ = m.db.View(func(tx *storage.Tx) error { set = tx.Meta(metaMenuDefault); return nil })
	if bytes.Equal(set, stamp) {
		return
	}
	if err := m.tg.SetCommands(ctx, func(lang string) []core.MenuItem { return m.engine.Menu(lang, core.MenuMember) }); err != nil {
		m.log.Warn("command menus not set", "err", err) // cosmetic: chibo works without them
		return
	}
	if err := m.db.Update(func(tx *storage.Tx) error { return tx.PutMeta(metaMenuDefault, stamp) }); err != nil {
		m.log.Warn("command menus not remembered", "err", err)
	}
}

// metaMenuDefault holds the stamp of the default menu last set.
const metaMenuDefault = "telegram.menu_default"

// metaMenusRight holds the menus version (storage's count of changes that
// may change someone's menu), the time (in seconds) and the release's menus
// of the last look that found every chat's menu right.
const metaMenusRight = "telegram.menus_right"

func menusRight(version uint64, at time.Time, release []byte) []byte {
	b := binary.BigEndian.AppendUint64(nil, version)
	b = binary.BigEndian.AppendUint64(b, uint64(at.Unix()))
	return append(b, release...)
}

// parseMenusRight reads what menusRight wrote; ok is false for anything
// else (an earlier release's record: the next start looks).
func parseMenusRight(b []byte) (version uint64, at time.Time, release []byte, ok bool) {
	if len(b) < 16 {
		return 0, time.Time{}, nil, false
	}
	return binary.BigEndian.Uint64(b), time.Unix(int64(binary.BigEndian.Uint64(b[8:])), 0), b[16:], true
}

// releaseStamp sums the menus of every level in every language: a release
// that changes any menu looks at every chat again.
func (m *menuRefresher) releaseStamp() []byte {
	var all []byte
	for level := core.MenuMember; level <= core.MenuGroupLeader|core.MenuLeader|core.MenuAdmin|core.MenuCommune; level++ {
		all = append(all, m.engine.MenuStamp(level, m.langs)...)
	}
	return all
}

func (m *menuRefresher) run(ctx context.Context) {
	m.setDefault(ctx)
	hourly := time.NewTicker(time.Hour) // a commune role begins or ends by date
	defer hourly.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.wake:
		case <-hourly.C:
		}
		m.refresh(ctx)
		select { // at most one look every 2 seconds
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
}
