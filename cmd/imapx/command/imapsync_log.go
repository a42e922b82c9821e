package command

// imapsync's log options: their flags are logFlags.
func init() {
	registerImapsync(
		imapsyncOption{name: "logdir", status: implemented, says: "the directory of the run's log file (default LOG_imapx in the current directory)"},
		imapsyncOption{name: "logfile", status: implemented, says: "the log file's name (under --logdir when both are given, as imapsync)"},
		imapsyncOption{name: "nolog", status: implemented, says: "no log file"},
	)
}
