package cluster

import (
	"strconv"
	"strings"
	"time"

	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

// CLUSTER INFO, NODES, SLOTS, SHARDS, MYID, KEYSLOT, COUNTKEYSINSLOT,
// GETKEYSINSLOT, LINKS, HELP, and READONLY, READWRITE, ASKING, answering
// in Redis 7.0's shapes. Slots are placed by the ring, not assigned, so
// the commands that move slots or change membership are refused.

func (cl *Cluster) clusterCommand(c resp.Connection, name string, args [][]byte) resp.Reply {
	switch name {
	case "readonly", "readwrite", "asking":
		return reply.OK
	case "cluster|help":
		return clusterHelp()
	case "cluster|myid":
		return reply.BulkStr(cl.pl.Nodes[cl.pl.Self].ID)
	case "cluster|keyslot":
		return reply.Int(KeySlot(args[2]))
	case "cluster|info":
		return reply.Verbatim(cl.infoText())
	case "cluster|nodes":
		return reply.Verbatim(cl.nodesText())
	case "cluster|slots":
		return cl.slotsReply()
	case "cluster|shards":
		return cl.shardsReply()
	case "cluster|links":
		return cl.linksReply()
	case "cluster|countkeysinslot":
		slot, ok := utils.ParseInt(args[2])
		if !ok || slot < 0 || slot >= SlotCount {
			return reply.Err("Invalid slot")
		}
		n := 0
		cl.db.KeysInSlot(c.DBIndex(), int(slot), KeySlot, func(string) bool { n++; return true })
		return reply.Int(n)
	case "cluster|getkeysinslot":
		slot, ok1 := utils.ParseInt(args[2])
		count, ok2 := utils.ParseInt(args[3])
		if !ok1 || !ok2 || slot < 0 || slot >= SlotCount || count < 0 {
			return reply.Err("Invalid slot or number of keys")
		}
		out := reply.Bulks{}
		if count > 0 {
			cl.db.KeysInSlot(c.DBIndex(), int(slot), KeySlot, func(k string) bool {
				out = append(out, []byte(k))
				return int64(len(out)) < count
			})
		}
		return out
	}
	sub := strings.TrimPrefix(name, "cluster|")
	return reply.Err("CLUSTER " + strings.ToUpper(sub) + " is not supported: slots are placed by consistent hashing over the nodes named in the configuration (self, peers)")
}

// state is "ok" when every peer answered its last relay or dial, "fail"
// otherwise.
func (cl *Cluster) state() string {
	for _, p := range cl.peers {
		if p != nil && !p.reachable() {
			return "fail"
		}
	}
	return "ok"
}

func (cl *Cluster) infoText() string {
	n := len(cl.pl.Nodes)
	var b strings.Builder
	line := func(k string, v any) {
		b.WriteString(k)
		b.WriteByte(':')
		switch x := v.(type) {
		case string:
			b.WriteString(x)
		case int:
			b.WriteString(strconv.Itoa(x))
		}
		b.WriteString("\r\n")
	}
	line("cluster_state", cl.state())
	line("cluster_slots_assigned", SlotCount)
	ok, failed := SlotCount, 0
	for i, p := range cl.peers {
		if p != nil && !p.reachable() {
			failed += cl.pl.SlotsOf(i)
		}
	}
	line("cluster_slots_ok", ok-failed)
	line("cluster_slots_pfail", 0)
	line("cluster_slots_fail", failed)
	line("cluster_known_nodes", n)
	line("cluster_size", n)
	line("cluster_current_epoch", n)
	line("cluster_my_epoch", cl.pl.Self+1)
	line("cluster_stats_messages_sent", 0)
	line("cluster_stats_messages_received", 0)
	line("total_cluster_links_buffer_limit_exceeded", 0)
	return b.String()
}

// nodesText is CLUSTER NODES: one line a node, Redis's format.
func (cl *Cluster) nodesText() string {
	var b strings.Builder
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	for i, n := range cl.pl.Nodes {
		b.WriteString(n.ID)
		b.WriteByte(' ')
		b.WriteString(n.Host + ":" + strconv.Itoa(n.Port) + "@" + strconv.Itoa(n.Port+10000))
		flags, pong, link := "master", now, "connected"
		if i == cl.pl.Self {
			flags, pong = "myself,master", "0"
		} else if !cl.peers[i].reachable() {
			flags, link = "master,fail", "disconnected"
		}
		b.WriteString(" " + flags + " - 0 " + pong + " " + strconv.Itoa(i+1) + " " + link)
		for _, r := range cl.pl.Ranges(i) {
			if r[0] == r[1] {
				b.WriteString(" " + strconv.Itoa(r[0]))
			} else {
				b.WriteString(" " + strconv.Itoa(r[0]) + "-" + strconv.Itoa(r[1]))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// nodeEntry is a node as CLUSTER SLOTS lists it: ip, port, id, and the
// (empty) map of hostname metadata.
func (cl *Cluster) nodeEntry(i int) resp.Reply {
	n := cl.pl.Nodes[i]
	return reply.Array{reply.BulkStr(n.Host), reply.Int(n.Port), reply.BulkStr(n.ID), reply.Map{}}
}

func (cl *Cluster) slotsReply() resp.Reply {
	type run struct {
		r    [2]int
		node int
	}
	var runs []run
	for i := range cl.pl.Nodes {
		for _, r := range cl.pl.Ranges(i) {
			runs = append(runs, run{r, i})
		}
	}
	// In slot order, as Redis lists them.
	for i := 1; i < len(runs); i++ {
		for j := i; j > 0 && runs[j].r[0] < runs[j-1].r[0]; j-- {
			runs[j], runs[j-1] = runs[j-1], runs[j]
		}
	}
	out := make(reply.Array, 0, len(runs))
	for _, r := range runs {
		out = append(out, reply.Array{reply.Int(r.r[0]), reply.Int(r.r[1]), cl.nodeEntry(r.node)})
	}
	return out
}

func (cl *Cluster) shardsReply() resp.Reply {
	out := make(reply.Array, 0, len(cl.pl.Nodes))
	for i, n := range cl.pl.Nodes {
		var slots reply.Array
		for _, r := range cl.pl.Ranges(i) {
			slots = append(slots, reply.Int(r[0]), reply.Int(r[1]))
		}
		health := "online"
		if i != cl.pl.Self && !cl.peers[i].reachable() {
			health = "fail"
		}
		node := reply.Map{
			reply.BulkStr("id"), reply.BulkStr(n.ID),
			reply.BulkStr("port"), reply.Int(n.Port),
			reply.BulkStr("ip"), reply.BulkStr(n.Host),
			reply.BulkStr("endpoint"), reply.BulkStr(n.Host),
			reply.BulkStr("role"), reply.BulkStr("master"),
			reply.BulkStr("replication-offset"), reply.Int(0),
			reply.BulkStr("health"), reply.BulkStr(health),
		}
		out = append(out, reply.Map{reply.BulkStr("slots"), slots, reply.BulkStr("nodes"), reply.Array{node}})
	}
	return out
}

func (cl *Cluster) linksReply() resp.Reply {
	out := reply.Array{}
	for i, n := range cl.pl.Nodes {
		if i == cl.pl.Self || !cl.peers[i].reachable() {
			continue
		}
		for _, dir := range []string{"to", "from"} {
			out = append(out, reply.Map{
				reply.BulkStr("direction"), reply.BulkStr(dir),
				reply.BulkStr("node"), reply.BulkStr(n.ID),
				reply.BulkStr("create-time"), reply.Int(0),
				reply.BulkStr("events"), reply.BulkStr("r"),
				reply.BulkStr("send-buffer-allocated"), reply.Int(0),
				reply.BulkStr("send-buffer-used"), reply.Int(0),
			})
		}
	}
	return out
}

func clusterHelp() resp.Reply {
	lines := []string{
		"COUNTKEYSINSLOT <slot>",
		"    Return the number of keys in <slot>.",
		"GETKEYSINSLOT <slot> <count>",
		"    Return key names stored by current node in a slot.",
		"INFO",
		"    Return information about the cluster.",
		"KEYSLOT <key>",
		"    Return the hash slot for <key>.",
		"LINKS",
		"    Return information about all network links between this node and its peers.",
		"    Output format is an array where each array element is a map containing attributes of a link",
		"MYID",
		"    Return the node id.",
		"NODES",
		"    Return cluster configuration seen by node. Output format:",
		"    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
		"SHARDS",
		"    Return information about slot range mappings and the nodes associated with them.",
		"SLOTS",
		"    Return information about slots range mappings. Each range is made of:",
		"    start, end, master and replicas IP addresses, ports and ids",
	}
	out := make(reply.Array, 0, len(lines)+3)
	out = append(out, reply.Status("CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"))
	for _, l := range lines {
		out = append(out, reply.Status(l))
	}
	return append(out, reply.Status("HELP"), reply.Status("    Prints this help."))
}
