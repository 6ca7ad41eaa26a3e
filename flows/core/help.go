package core

import (
	"slices"
	"strings"
)

// Help that fits a phone (issue 12). A member reads the commands in a
// member's words, one line each. Whoever may run more (a secretary, deputy,
// group leader or admin) reads the commands grouped by task, a group per
// line, so the whole list fits one screen; "/help <command>" explains one.

// helpGroups are the sections of the grouped /help, in order. A command not
// listed here (one added later) is shown in the last section.
var helpGroups = []struct {
	TitleID  string
	Commands []string
}{
	{"help.g_meetings", []string{"meeting", "attendance", "code", "tasks"}},
	{"help.g_members", []string{"members", "invite", "status", "faraway", "away"}},
	{"help.g_faraway", []string{"board", "checkinsettings", "checkin", "fargroup"}},
	{"help.g_residence", []string{"residence"}},
	{"help.g_books", []string{"export", "audit", "linkgroup", "xeploai"}},
	{"help.g_admin", []string{"newcell", "secinvite"}},
	{"commune.help_group", []string{"tongquan", "phutrach", "giaoban", "capuy"}},
	{"help.g_self", []string{"me", "mydata", "forget", "lang", "cancel", "help"}},
}

// memberHelp are a member's words for the commands whose help line speaks
// to those who run the cell.
var memberHelp = map[string]string{
	"meeting":   "help.m_meeting",
	"residence": "help.m_residence",
}

func runHelp(c *Ctx, args string) error {
	allowed := helpCommands(c)
	if name := strings.TrimPrefix(strings.TrimSpace(args), "/"); name != "" {
		if !slices.Contains(allowed, name) {
			c.Say("help.unknown", "Command", name)
			return nil
		}
		c.Reply(c.helpLine(name))
		return nil
	}
	if c.Me == nil {
		c.Reply(c.T("help.stranger") + "\n" + c.T("help.start"))
		return nil
	}
	if !c.runsMore(allowed) {
		lines := []string{c.T("help.intro", "Name", c.Me.Name)}
		for _, name := range allowed {
			lines = append(lines, c.helpLine(name))
		}
		c.Reply(strings.Join(lines, "\n"))
		return nil
	}
	lines := []string{c.T("help.intro_grouped", "Name", c.Me.Name)}
	shown := map[string]bool{}
	for i, g := range helpGroups {
		var cmds []string
		for _, name := range g.Commands {
			if slices.Contains(allowed, name) {
				cmds, shown[name] = append(cmds, "/"+name), true
			}
		}
		if i == len(helpGroups)-1 {
			for _, name := range allowed {
				if !shown[name] {
					cmds = append(cmds, "/"+name)
				}
			}
		}
		if len(cmds) > 0 {
			lines = append(lines, c.T("help.group_line", "Title", c.T(g.TitleID), "Commands", strings.Join(cmds, " ")))
		}
	}
	lines = append(lines, c.T("help.more"))
	c.Reply(strings.Join(lines, "\n"))
	return nil
}

// helpCommands are the commands the caller may run, in /help's order.
func helpCommands(c *Ctx) []string {
	var out []string
	for _, name := range c.E.order {
		cmd := c.E.commands[name]
		if !c.E.allowed(c, cmd.Need) || (c.Me != nil && name == "start") {
			continue
		}
		out = append(out, name)
	}
	return out
}

// runsMore reports whether the caller may run commands beyond a member's.
func (c *Ctx) runsMore(allowed []string) bool {
	for _, name := range allowed {
		if n := c.E.commands[name].Need; n != NeedAnyone && n != NeedMember {
			return true
		}
	}
	return false
}

// helpLine is one command's help in the caller's words.
func (c *Ctx) helpLine(name string) string {
	if id, ok := memberHelp[name]; ok && !c.runsMore(helpCommands(c)) {
		return c.T(id)
	}
	return c.T(c.E.commands[name].HelpID)
}
