package main

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"chibo/bot/telegram"
	"chibo/bot/zalo"
	"chibo/storage"
)

// inviteBot names the bot an invite made on the command line is for: the
// one the token belongs to (asked with getMe), else the configured or
// learnt Telegram username; with neither known it refuses, rather than
// print a link to someone else's bot. A Zalo code works with whatever
// Zalo bot serves this database: its name is shown when the token is set.
func inviteBot(cfg Config, db *storage.DB, transport string, t func(string, ...any) string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if transport == zalo.Name {
		if cfg.ZaloToken == "" {
			return "", nil
		}
		z, err := zalo.New(ctx, zalo.Config{Token: cfg.ZaloToken, APIBase: cfg.ZaloAPI})
		if err != nil {
			return "", err
		}
		return z.Me().AccountName, nil
	}
	if cfg.Token != "" {
		tg, err := telegram.New(ctx, telegram.Config{Token: cfg.Token, APIBase: cfg.API})
		if err != nil {
			return "", err
		}
		return tg.Username(), nil
	}
	if cfg.demo {
		return botUsername(cfg, db), nil
	}
	if name := knownUsername(cfg, db); name != "" {
		return name, nil
	}
	return "", errors.New(t("zalo.cli_err_bot_unknown"))
}

// runCommand runs a subcommand that needs the database (backup FILE, admin
// …), in the serving process for the admin socket or on the file. A path
// argument goes through cfg.path.
func runCommand(_ context.Context, cfg Config, db *storage.DB, args []string, out io.Writer, t func(string, ...any) string) error {
	switch args[0] {
	case "backup":
		if len(args) != 2 {
			return errUsage
		}
		path := cfg.path(args[1]) // through the admin socket: the caller's directory
		if err := db.BackupFile(path); err != nil {
			return err
		}
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, t("cli.backup_done", "Path", args[1], "Size", st.Size()))
		return nil
	case "admin":
		if len(args) < 2 {
			return errUsage
		}
		return runAdmin(cfg, db, args[1], args[2:], out, t)
	case "export":
		return runExport(cfg, db, args[1:], out, t)
	}
	return errUsage
}

// adminArgs are the flags and the free words of one "admin SUB" line.
type adminArgs struct {
	cfg       Config
	db        *storage.DB
	out       io.Writer
	t         func(string, ...any) string
	now       time.Time
	sub       string
	org, cell uint64
	role      string
	days      int
	multi     bool
	set       string
	transport string
	name      string
}

// adminCommands are the admin subcommands by name (commune has flags of its
// own and is dispatched before these are parsed).
var adminCommands = map[string]func(a *adminArgs) error{
	"create-org":         adminCreateOrg,
	"create-cell":        adminCreateCell,
	"invite":             adminInvite,
	"quality-template":   adminSettingsFile,
	"residence-form":     adminSettingsFile,
	"residence-settings": adminSettingsFile,
	"rating-rules":       adminSettingsFile,
	"checkin-form": func(a *adminArgs) error {
		return runCheckinForm(a.db, a.org, a.set, a.cfg.path, a.out, a.t)
	},
	"check": func(a *adminArgs) error { return runCheck(a.cfg, a.db, a.out, a.t) },
	"list":  adminList,
}

// runAdmin runs "admin SUB ARGS…": the shared flags are parsed first, so a
// bad flag is a usage error whatever the subcommand.
func runAdmin(cfg Config, db *storage.DB, sub string, args []string, out io.Writer, t func(string, ...any) string) error {
	if sub == "commune" { // flags of its own
		return runCommuneAdmin(cfg, db, args, out, t)
	}
	a, err := parseAdminArgs(cfg, db, sub, args, out, t)
	if err != nil {
		return err
	}
	run, ok := adminCommands[sub]
	if !ok {
		return errUsage
	}
	return run(a)
}

// parseAdminArgs reads the flags every admin subcommand shares; the words
// left over are the name.
func parseAdminArgs(cfg Config, db *storage.DB, sub string, args []string, out io.Writer, t func(string, ...any) string) (*adminArgs, error) {
	fs := flag.NewFlagSet("admin "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	a := &adminArgs{cfg: cfg, db: db, out: out, t: t, now: cfg.now(), sub: sub}
	fs.Uint64Var(&a.org, "org", 0, "")
	fs.Uint64Var(&a.cell, "cell", 0, "")
	fs.StringVar(&a.role, "role", string(storage.RoleSecretary), "")
	fs.IntVar(&a.days, "days", cfg.InviteDays, "")
	fs.BoolVar(&a.multi, "multi", false, "")
	fs.StringVar(&a.set, "set", "", "")
	fs.StringVar(&a.transport, "transport", telegram.Name, "")
	if err := fs.Parse(args); err != nil {
		return nil, errUsage
	}
	a.name = strings.Join(fs.Args(), " ")
	return a, nil
}

func adminSettingsFile(a *adminArgs) error {
	return runSettingsFile(a.sub, a.db, a.org, a.cell, a.set, a.cfg.path, a.out, a.t)
}

func adminCreateOrg(a *adminArgs) error {
	o := &storage.Organization{Name: core.NormalizeText(a.name), Created: a.now}
	if o.Name == "" {
		return errUsage
	}
	if err := a.db.Update(func(tx *storage.Tx) error { return tx.PutOrg(o) }); err != nil {
		return err
	}
	fmt.Fprintln(a.out, a.t("cli.org_created", "ID", o.ID, "Name", o.Name))
	return nil
}

func adminCreateCell(a *adminArgs) error {
	c := &storage.Cell{OrgID: a.org, Name: core.NormalizeText(a.name), TZ: a.cfg.zone.String(), Created: a.now}
	if c.Name == "" || c.OrgID == 0 {
		return errUsage
	}
	if err := a.db.Update(func(tx *storage.Tx) error { return tx.PutCell(c) }); err != nil {
		return err
	}
	fmt.Fprintln(a.out, a.t("cli.cell_created", "ID", c.ID, "Name", c.Name))
	return nil
}

// adminInvite makes an invite for a cell (or, for an admin, an
// organization) and prints the Telegram link or the Zalo code.
func adminInvite(a *adminArgs) error {
	r := storage.Role(a.role)
	admin := r == storage.RoleAdmin
	if a.days <= 0 || (admin && a.org == 0) || (!admin && a.cell == 0) ||
		(r != storage.RoleSecretary && r != storage.RoleDeputy && r != storage.RoleMember && !admin) {
		return errUsage
	}
	if a.transport != telegram.Name && a.transport != zalo.Name {
		return errUsage
	}
	// The link or code must name the bot the person will write to:
	// ask the messenger before anything is stored.
	bot, err := inviteBot(a.cfg, a.db, a.transport, a.t)
	if err != nil {
		return err
	}
	inv, where, err := storeInvite(a, r, admin)
	if err != nil {
		return err
	}
	until := inv.Expires.In(a.cfg.zone).Format("02/01/2006 15:04")
	if a.transport == zalo.Name {
		fmt.Fprintln(a.out, a.t("zalo.cli_invite_created", "Cell", where, "Role", a.t("role."+string(r)), "Until", until, "Bot", bot))
		fmt.Fprintln(a.out, members.FormatInviteCode(inv.Code))
		return nil
	}
	fmt.Fprintln(a.out, a.t("cli.invite_created", "Cell", where, "Role", a.t("role."+string(r)), "Until", until))
	fmt.Fprintln(a.out, a.t("zalo.cli_invite_code", "Code", members.FormatInviteCode(inv.Code)))
	fmt.Fprintln(a.out, telegram.DeepLink(bot, inv.Token))
	return nil
}

// storeInvite stores the invite and returns it with the name of the
// organization or cell it is for.
func storeInvite(a *adminArgs, r storage.Role, admin bool) (*storage.Invite, string, error) {
	var inv *storage.Invite
	var where string
	err := a.db.Update(func(tx *storage.Tx) error {
		f := members.InviteFor{Role: r, MultiUse: a.multi, TTL: time.Duration(a.days) * 24 * time.Hour}
		if admin {
			o, err := tx.Org(a.org)
			if err != nil {
				return fmt.Errorf("organization %d: %w", a.org, err)
			}
			f.OrgID, where = o.ID, o.Name
		} else {
			c, err := tx.Cell(a.cell)
			if err != nil {
				return fmt.Errorf("cell %d: %w", a.cell, err)
			}
			f.CellID, where = c.ID, c.Name
		}
		// The operator is audited like anyone, as actor 0.
		var err error
		inv, err = members.MakeInvite(tx, f, a.now, 0)
		return err
	})
	return inv, where, err
}

// adminList prints each organization with its cells and their member counts.
func adminList(a *adminArgs) error {
	return a.db.View(func(tx *storage.Tx) error {
		orgs, err := tx.Orgs()
		if err != nil {
			return err
		}
		cells, err := tx.Cells()
		if err != nil {
			return err
		}
		for _, o := range orgs {
			fmt.Fprintln(a.out, a.t("cli.list_org", "ID", o.ID, "Name", o.Name))
			for _, c := range cells {
				if c.OrgID != o.ID {
					continue
				}
				ms, err := tx.Members(c.ID)
				if err != nil {
					return err
				}
				fmt.Fprintln(a.out, a.t("cli.list_cell", "ID", c.ID, "Name", c.Name, "Members", len(ms)))
			}
		}
		return nil
	})
}
