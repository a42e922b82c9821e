package imapclient

import (
	"io"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/internal"
)

// Append sends an APPEND command.
//
// The caller must call AppendCommand.Close.
//
// The options are optional.
func (c *Client) Append(mailbox string, size int64, options *imap.AppendOptions) *AppendCommand {
	cmd := &AppendCommand{}
	cmd.enc = c.beginCommand("APPEND", cmd)
	cmd.enc.SP().Mailbox(mailbox)
	cmd.message(size, options)
	return cmd
}

// message starts one message of the command: flags, date and literal.
func (cmd *AppendCommand) message(size int64, options *imap.AppendOptions) {
	cmd.enc.SP()
	if options != nil && len(options.Flags) > 0 {
		cmd.enc.List(len(options.Flags), func(i int) {
			cmd.enc.Flag(options.Flags[i])
		}).SP()
	}
	if options != nil && !options.Time.IsZero() {
		cmd.enc.String(options.Time.Format(internal.DateTimeLayout)).SP()
	}
	// TODO: UTF8 data ext for UTF8=ACCEPT, with literal8
	if options != nil && options.Binary {
		// literal8 (RFC 3516): "~{N}", or "~{N+}" under LITERAL+ (RFC 7888).
		cmd.enc.Special('~')
	}
	cmd.wc = cmd.enc.Literal(size)
}

// Next ends the current message and starts another one in the same
// command (MULTIAPPEND, RFC 3502): its contents are written next. The
// server stores all the messages of the command or none of them, and
// answers once. It requires the MULTIAPPEND capability.
func (cmd *AppendCommand) Next(size int64, options *imap.AppendOptions) error {
	if err := cmd.wc.Close(); err != nil {
		return err
	}
	cmd.message(size, options)
	return nil
}

// AppendCommand is an APPEND command.
//
// Callers must write the message contents, then call Close.
type AppendCommand struct {
	commandBase
	enc  *commandEncoder
	wc   io.WriteCloser
	data imap.AppendData
}

func (cmd *AppendCommand) Write(b []byte) (int, error) {
	return cmd.wc.Write(b)
}

func (cmd *AppendCommand) Close() error {
	err := cmd.wc.Close()
	if cmd.enc != nil {
		cmd.enc.end()
		cmd.enc = nil
	}
	return err
}

func (cmd *AppendCommand) Wait() (*imap.AppendData, error) {
	return &cmd.data, cmd.wait()
}
