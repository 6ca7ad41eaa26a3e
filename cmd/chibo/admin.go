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

func runAdmin(cfg Config, db *storage.DB, sub string, args []string, out io.Writer, t func(string, ...any) string) error {
	if sub == "commune" { // flags of its own
		return runCommuneAdmin(cfg, db, args, out, t)
	}
	now := cfg.now()
	fs := flag.NewFlagSet("admin "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	org := fs.Uint64("org", 0, "")
	cell := fs.Uint64("cell", 0, "")
	role := fs.String("role", string(storage.RoleSecretary), "")
	days := fs.Int("days", cfg.InviteDays, "")
	multi := fs.Bool("multi", false, "")
	set := fs.String("set", "", "")
	transport := fs.String("transport", telegram.Name, "")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	name := strings.Join(fs.Args(), " ")
	switch sub {
	case "create-org":
		o := &storage.Organization{Name: core.NormalizeText(name), Created: now}
		if o.Name == "" {
			return errUsage
		}
		if err := db.Update(func(tx *storage.Tx) error { return tx.PutOrg(o) }); err != nil {
			return err
		}
		fmt.Fprintln(out, t("cli.org_created", "ID", o.ID, "Name", o.Name))
	case "create-cell":
		c := &storage.Cell{OrgID: *org, Name: core.NormalizeText(name), TZ: cfg.zone.String(), Created: now}
		if c.Name == "" || c.OrgID == 0 {
			return errUsage
		}
		if err := db.Update(func(tx *storage.Tx) error { return tx.PutCell(c) }); err != nil {
			return err
		}
		fmt.Fprintln(out, t("cli.cell_created", "ID", c.ID, "Name", c.Name))
	case "invite":
		r := storage.Role(*role)
		admin := r == storage.RoleAdmin
		if *days <= 0 || (admin && *org == 0) || (!admin && *cell == 0) ||
			(r != storage.RoleSecretary && r != storage.RoleDeputy && r != storage.RoleMember && !admin) {
			return errUsage
		}
		if *transport != telegram.Name && *transport != zalo.Name {
			return errUsage
		}
		// The link or code must name the bot the person will write to:
		// ask the messenger before anything is stored.
		bot, err := inviteBot(cfg, db, *transport, t)
		if err != nil {
			return err
		}
		var inv *storage.Invite
		var where string
		err = db.Update(func(tx *storage.Tx) error {
			f := members.InviteFor{Role: r, MultiUse: *multi, TTL: time.Duration(*days) * 24 * time.Hour}
			if admin {
				o, err := tx.Org(*org)
				if err != nil {
					return fmt.Errorf("organization %d: %w", *org, err)
				}
				f.OrgID, where = o.ID, o.Name
			} else {
				c, err := tx.Cell(*cell)
				if err != nil {
					return fmt.Errorf("cell %d: %w", *cell, err)
				}
				f.CellID, where = c.ID, c.Name
			}
			// The operator is audited like anyone, as actor 0.
			inv, err = members.MakeInvite(tx, f, now, 0)
			return err
		})
		if err != nil {
			return err
		}
		until := inv.Expires.In(cfg.zone).Format("02/01/2006 15:04")
		if *transport == zalo.Name {
			fmt.Fprintln(out, t("zalo.cli_invite_created", "Cell", where, "Role", string(r), "Until", until, "Bot", bot))
			fmt.Fprintln(out, members.FormatInviteCode(inv.Code))
			return nil
		}
		fmt.Fprintln(out, t("cli.invite_created", "Cell", where, "Role", string(r), "Until", until))
		fmt.Fprintln(out, t("zalo.cli_invite_code", "Code", members.FormatInviteCode(inv.Code)))
		fmt.Fprintln(out, telegram.DeepLink(bot, inv.Token))
	case "quality-template", "residence-form", "residence-settings", "rating-rules":
		return runSettingsFile(sub, db, *org, *cell, *set, cfg.path, out, t)
	case "checkin-form":
		return runCheckinForm(db, *org, *set, cfg.path, out, t)
	case "check":
		return runCheck(cfg, db, out, t)
	case "list":
		return db.View(func(tx *storage.Tx) error {
			orgs, err := tx.Orgs()
			if err != nil {
				return err
			}
			cells, err := tx.Cells()
			if err != nil {
				return err
			}
			for _, o := range orgs {
				fmt.Fprintln(out, t("cli.list_org", "ID", o.ID, "Name", o.Name))
				for _, c := range cells {
					if c.OrgID != o.ID {
						continue
					}
					ms, err := tx.Members(c.ID)
					if err != nil {
						return err
					}
					fmt.Fprintln(out, t("cli.list_cell", "ID", c.ID, "Name", c.Name, "Members", len(ms)))
				}
			}
			return nil
		})
	default:
		return errUsage
	}
	return nil
}
