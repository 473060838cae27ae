package sim

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"time"

	"github.com/smscast/smscast/pkg/sms"
)

var _ sms.Inbox = (*Sender)(nil)

// Replies makes the simulator answer the messages it accepted, as patients answer a message that
// asks for a reply: each message gets a reply with probability Rate, After it was accepted, with
// one of Texts. The draws depend only on Seed and the message (its number and text), so a drill
// with the same seed and list shows the same confirmations in every run and process.
type Replies struct {
	Rate  float64       `yaml:"rate" mapstructure:"rate"`   // share of messages answered, 0 to 1
	After time.Duration `yaml:"after" mapstructure:"after"` // from acceptance to the reply
	Texts []string      `yaml:"texts" mapstructure:"texts"` // the replies, drawn one per message; ["1"] when empty
}

// defaultReplyTexts are the replies when Replies.Texts is empty: the confirmation the outage notice asks for.
var defaultReplyTexts = []string{"1"}

func (r Replies) check() error {
	switch {
	case r.Rate < 0 || r.Rate > 1:
		return fmt.Errorf("sim: replies.rate %v must be between 0 and 1, e.g. 0.7", r.Rate)
	case r.After < 0:
		return errors.New("sim: replies.after must not be negative, e.g. 2m")
	}
	for i, t := range r.Texts {
		if t == "" {
			return fmt.Errorf("sim: replies.texts[%d] is empty: give each reply some text, e.g. [\"1\", \"はい\"]", i)
		}
	}
	return nil
}

// Inbound returns the replies received at or after since and by now (Config.Now), oldest first:
// to the messages in the outbox when there is one (those of every process), else to those this
// Sender accepted. A message accepted twice (two records) is answered once per record, each with
// its own id. From is the number the message went to; To is empty (the simulator has no number).
func (s *Sender) Inbound(ctx context.Context, since time.Time) ([]sms.Inbound, error) {
	if err := ctx.Err(); err != nil {
		return nil, canceled(err)
	}
	r := s.cfg.Replies
	if r.Rate == 0 {
		return nil, nil
	}
	texts := r.Texts
	if len(texts) == 0 {
		texts = defaultReplyTexts
	}
	recs := s.Accepted()
	if s.cfg.Outbox != "" {
		var err error
		if recs, err = ReadOutbox(s.cfg.Outbox); err != nil {
			return nil, &sms.Error{Code: "sim-outbox", Reason: "simulator could not read its outbox", Err: err}
		}
	}
	now := s.cfg.Now()
	var out []sms.Inbound
	for _, rec := range recs {
		at := rec.Time.Add(r.After)
		if at.After(now) || (!since.IsZero() && at.Before(since)) {
			continue
		}
		x, y := replyDraws(s.cfg.Seed, rec)
		if x >= r.Rate {
			continue
		}
		out = append(out, sms.Inbound{
			ID:   "IN" + rec.ID[min(2, len(rec.ID)):],
			From: rec.To,
			Text: texts[int(y*float64(len(texts)))%len(texts)],
			At:   at,
		})
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].At.Before(out[k].At) })
	return out, nil
}

// replyDraws returns two uniform numbers in [0,1) for the reply to one message: whether it is
// answered, and with which text. They depend on the seed, the number and the text, not on the
// message id, which differs between processes that share an outbox.
func replyDraws(seed int64, rec Record) (float64, float64) {
	h := fnv.New64a()
	h.Write([]byte(rec.To))
	h.Write([]byte{0})
	h.Write([]byte(rec.Body))
	x := splitmix(uint64(seed) ^ 0x7265706c79 ^ splitmix(h.Sum64()))
	y := splitmix(x)
	return float64(x>>11) / (1 << 53), float64(y>>11) / (1 << 53)
}
