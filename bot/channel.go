package bot

import (
	"crmbot/crm"
)

// deptChannel is the department's channel: where the department digest and the
// escalation counts go. SetBy is the head (or admin) who typed /channel there: the
// department digest follows their digest time, zone and working days. Named says
// escalations are posted there naming the client and the manager (an admin's choice,
// /settings escalations channel); by default the channel gets only counts.
type deptChannel struct {
	Target crm.Identity
	SetBy  uint64
	Named  bool // kept apart: it outlives /channel off
}

// channelOf is the channel as the team's settings hold it.
func channelOf(ts crm.TeamSettings) deptChannel {
	return deptChannel{Target: ts.Channel, SetBy: ts.ChannelSetBy, Named: ts.EscalationsNamed}
}

// deptChannel reads the channel record (the configured default when none was set in
// chat) and the escalation mode.
func (s *Scheduler) deptChannel(tx crm.Tx) (deptChannel, error) {
	ts, err := tx.Settings()
	if err != nil {
		return deptChannel{}, err
	}
	ch := channelOf(ts)
	if ch.Target == "" {
		ch.Target = s.cfg.HeadChannel
	}
	return ch, nil
}

// channelUser is whose language, zone, digest time and working days the channel's
// messages follow: the lead who set the channel while they still are one, else the
// first head (first admin), with the configured zone.
func (s *Scheduler) channelUser(ch deptChannel, users map[uint64]*crm.User) *crm.User {
	if u := users[ch.SetBy]; u != nil && !u.Disabled && u.IsLead() {
		return u
	}
	return s.headUser(users)
}
