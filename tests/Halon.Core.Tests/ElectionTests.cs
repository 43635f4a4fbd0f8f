using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using Halon.Core.Status;
using static Halon.Core.Tests.NodeDriver;

namespace Halon.Core.Tests;

/// <summary>
/// The election as one peer sees it: the campaign command, pre-votes and votes granted or refused (and why), the term
/// rules for messages of other terms, and what each step asks to persist.
/// </summary>
public sealed class ElectionTests
{
    private sealed record UnknownMessage(NodeId From, NodeId To) : Message(From, To);

    private sealed record UnknownStationMessage(NodeId From, NodeId To, string ClusterId, long Term) : StationMessage(From, To, ClusterId, Term);

    private static HalonNode Follower(ulong seed = 1)
    {
        var node = Peer(seed: seed);
        GiveQuorum(node);
        node.Advance();
        return node;
    }

    private static HalonNode PreCandidate()
    {
        var node = Follower();
        for (var i = 0; i < 100 && node.State != SupervisorState.PreCandidate; i++)
        {
            node.Advance();
            node.Tick();
        }

        Assert.Equal(SupervisorState.PreCandidate, node.State);
        return node;
    }

    private static VoteResponse VoteFrom(HalonNode node, NodeId from, long term, bool granted, bool preVote) =>
        new(from, node.Id, ClusterIdOf(node), term, granted, preVote);

    private static VoteRequest RequestFrom(HalonNode node, NodeId from, long term, long lastIndex, long lastTerm, bool preVote) =>
        new(from, node.Id, ClusterIdOf(node), term, lastIndex, lastTerm, preVote);

    [Fact]
    public void Campaign_is_refused_by_a_node_that_may_not_campaign_and_says_why()
    {
        var none = Fresh().Campaign();
        Assert.False(none.Succeeded);
        Assert.Equal("p1:9070 is not a station peer", none.Message);

        var waiting = Peer().Campaign();
        Assert.False(waiting.Succeeded);
        Assert.Equal("p1:9070 is still waiting for quorum", waiting.Message);

        var master = Master().Campaign();
        Assert.True(master.Succeeded);
        Assert.False(master.Changed);
        Assert.Equal("p1:9070 is the master of term 1", master.Message);

        var restarted = Restored(new HardState(2, null, 0));
        GiveQuorum(restarted);
        restarted.Tick();
        restarted.Tick();
        restarted.Tick();
        var withheld = restarted.Campaign();
        Assert.False(withheld.Succeeded);
        Assert.StartsWith("p1:9070 heard from a live master (or restarted) 3 ticks ago, less than E = 15", withheld.Message);
        Assert.Equal(SupervisorState.Follower, restarted.State);
    }

    [Fact]
    public void Campaign_starts_a_pre_vote_for_the_next_term_at_once()
    {
        var node = Follower();
        var result = node.Campaign();
        Assert.True(result.Succeeded);
        Assert.True(result.Changed);
        Assert.Equal("p1:9070 campaigns for term 1", result.Message);
        Assert.Equal(SupervisorState.PreCandidate, node.State);
        Assert.Equal(0, node.Term);
        var (messages, effects, ready) = Take(node);
        Assert.Null(ready.HardState); // A pre-vote changes no term and casts no vote.
        Assert.Equal(
            new Message[] { new VoteRequest(P1, P2, Station.ClusterId, 1, 0, 0, true), new VoteRequest(P1, P3, Station.ClusterId, 1, 0, 0, true) },
            messages);
        var changed = Assert.IsType<SupervisorStateChanged>(Assert.Single(effects));
        Assert.Equal(SupervisorState.Follower, changed.From);
        Assert.Equal(SupervisorState.PreCandidate, changed.To);
        Assert.StartsWith("no master heard for ", changed.Reason);
        Assert.EndsWith(" ticks; asking for pre-votes for term 1", changed.Reason);
    }

    [Fact]
    public void A_won_pre_vote_starts_a_real_vote_that_persists_the_term_and_the_vote_first()
    {
        var node = PreCandidate();
        node.Advance();
        Assert.True(node.Step(VoteFrom(node, P2, 1, true, true)).Accepted);
        Assert.Equal(SupervisorState.Candidate, node.State);
        var (messages, effects, ready) = Take(node);
        Assert.Equal(new HardState(1, P1, 0), ready.HardState);
        Assert.All(messages.Cast<VoteRequest>(), r =>
        {
            Assert.False(r.PreVote);
            Assert.Equal(1, r.Term);
        });
        Assert.Equal(2, messages.Length);
        Assert.Equal("won the pre-vote; campaigning in term 1", Assert.IsType<SupervisorStateChanged>(Assert.Single(effects)).Reason);

        Assert.True(node.Step(VoteFrom(node, P3, 1, true, false)).Accepted);
        Assert.Equal(SupervisorState.Master, node.State);
        (_, effects, _) = Take(node);
        Assert.Contains(new BecameMaster(1), effects);
        Assert.Contains(effects, e => e is SupervisorStateChanged { To: SupervisorState.Master, Reason: "won the election of term 1" });
    }

    [Fact]
    public void Refusals_from_a_majority_lose_the_pre_vote_and_the_vote()
    {
        var node = PreCandidate();
        node.Advance();
        Assert.True(node.Step(VoteFrom(node, P2, 0, false, true)).Accepted);
        Assert.Equal(SupervisorState.PreCandidate, node.State);
        Assert.True(node.Step(VoteFrom(node, P3, 0, false, true)).Accepted);
        Assert.Equal(SupervisorState.Follower, node.State);
        Assert.Contains(Take(node).Effects, e => e is SupervisorStateChanged { Reason: "lost the pre-vote" });

        var candidate = PreCandidate();
        candidate.Step(VoteFrom(candidate, P2, 1, true, true));
        Assert.Equal(SupervisorState.Candidate, candidate.State);
        candidate.Advance();
        Assert.True(candidate.Step(VoteFrom(candidate, P2, 1, false, false)).Accepted);
        Assert.Equal(SupervisorState.Candidate, candidate.State);
        // The same voter again counts once.
        Assert.True(candidate.Step(VoteFrom(candidate, P2, 1, false, false)).Accepted);
        Assert.Equal(SupervisorState.Candidate, candidate.State);
        Assert.True(candidate.Step(VoteFrom(candidate, P3, 1, false, false)).Accepted);
        Assert.Equal(SupervisorState.Follower, candidate.State);
        Assert.Equal(1, candidate.Term);
        Assert.Contains(Take(candidate).Effects, e => e is SupervisorStateChanged { Reason: "lost the election of term 1" });
    }

    [Fact]
    public void Vote_responses_out_of_place_are_dropped_with_a_reason()
    {
        var follower = Follower();
        var notPre = follower.Step(VoteFrom(follower, P2, 1, true, true));
        Assert.Equal(new StepResult(false, "pre-vote response while not pre-candidate", DropCategory.Outdated), notPre);
        var notCandidate = follower.Step(VoteFrom(follower, P2, 0, true, false));
        Assert.Equal(new StepResult(false, "vote response while not a candidate of that term", DropCategory.Outdated), notCandidate);

        var node = PreCandidate();
        var wrongTerm = node.Step(VoteFrom(node, P2, 0, true, true));
        Assert.Equal(new StepResult(false, "pre-vote grant for term 0, not for 1", DropCategory.Outdated), wrongTerm);
        Assert.Equal(SupervisorState.PreCandidate, node.State);
    }

    [Fact]
    public void A_lone_peer_elects_itself_in_one_tick()
    {
        var alone = PeerSet.Create([P1]);
        var node = Fresh();
        node.BecomeStationPeer(alone);
        Assert.Equal(SupervisorState.Follower, node.State);
        node.Advance();
        node.Tick();
        Assert.Equal(SupervisorState.Master, node.State);
        Assert.Equal(1, node.Term);
        Assert.Equal(P1, node.VotedFor);
        Assert.True(node.CoordinatorRunning);
        Assert.Equal(1, node.CommitIndex);
        var (messages, effects, _) = Take(node);
        Assert.Empty(messages);
        Assert.Equal(
            [SupervisorState.PreCandidate, SupervisorState.Candidate, SupervisorState.Master],
            effects.OfType<SupervisorStateChanged>().Select(c => c.To));
    }

    [Fact]
    public void A_pre_vote_is_granted_only_for_a_later_term_and_a_log_at_least_as_long()
    {
        // p1 holds entries (1,1) and (2,1) in term 1, and restarted more than E ago.
        var node = Restored(new HardState(1, null, 0), NoOp(1, 1), NoOp(2, 1));
        GiveQuorum(node);
        for (var i = 0; i < ProtocolOptions.Default.ElectionTimeoutTicks; i++)
        {
            node.Advance();
            node.Tick();
        }

        node.Advance();

        void Expect(long term, long lastIndex, long lastTerm, bool granted)
        {
            Assert.True(node.Step(RequestFrom(node, P2, term, lastIndex, lastTerm, true)).Accepted);
            var response = Assert.IsType<VoteResponse>(Assert.Single(Take(node).Messages));
            Assert.Equal(granted, response.Granted);
            Assert.True(response.PreVote);
            Assert.Equal(P2, response.To);
            Assert.Equal(granted ? term : 1, response.Term);
        }

        Expect(2, 2, 1, granted: true);
        Expect(2, 3, 1, granted: true);
        Expect(2, 1, 2, granted: true);
        Expect(2, 1, 1, granted: false);
        Expect(2, 9, 0, granted: false);
        Expect(1, 2, 1, granted: false); // Not a later term.
        Assert.Equal(1, node.Term);
        Assert.Null(node.VotedFor);
    }

    [Fact]
    public void A_vote_is_granted_once_per_term_persisted_and_repeated_to_the_same_candidate()
    {
        var node = Restored(new HardState(1, null, 0), NoOp(1, 1));
        GiveQuorum(node);
        for (var i = 0; i < ProtocolOptions.Default.ElectionTimeoutTicks; i++)
        {
            node.Advance();
            node.Tick();
        }

        node.Advance();
        Assert.Equal(SupervisorState.PreCandidate, node.State); // Restarted at tick 0: its first campaign waits for E.
        Assert.True(node.Step(RequestFrom(node, P2, 2, 1, 1, false)).Accepted);
        var (messages, _, ready) = Take(node);
        Assert.Equal(new HardState(2, P2, 0), ready.HardState);
        Assert.Equal(new VoteResponse(P1, P2, ClusterIdOf(node), 2, true, false), Assert.Single(messages));
        Assert.Equal(SupervisorState.Follower, node.State);

        Assert.True(node.Step(RequestFrom(node, P2, 2, 1, 1, false)).Accepted);
        Assert.True(Assert.IsType<VoteResponse>(Assert.Single(Take(node).Messages)).Granted);
        Assert.True(node.Step(RequestFrom(node, P3, 2, 5, 1, false)).Accepted);
        Assert.False(Assert.IsType<VoteResponse>(Assert.Single(Take(node).Messages)).Granted);
        Assert.Equal(P2, node.VotedFor);
    }

    [Fact]
    public void A_vote_is_refused_to_a_shorter_log_and_while_a_master_is_known()
    {
        var node = Restored(new HardState(1, null, 0), NoOp(1, 1), NoOp(2, 1));
        GiveQuorum(node);
        for (var i = 0; i < ProtocolOptions.Default.ElectionTimeoutTicks; i++)
        {
            node.Advance();
            node.Tick();
        }

        node.Advance();
        Assert.True(node.Step(RequestFrom(node, P2, 2, 1, 1, false)).Accepted);
        var (messages, _, ready) = Take(node);
        Assert.False(Assert.IsType<VoteResponse>(Assert.Single(messages)).Granted);
        Assert.Equal(new HardState(2, null, 0), ready.HardState); // The term is adopted, no vote is cast.

        // A follower that knows its master (heard more than E ago, so it no longer withholds) still refuses.
        for (ulong seed = 1; seed < 40; seed++)
        {
            var follower = Follower(seed);
            Assert.True(follower.Step(Append(follower, 1, 0, 0, [NoOp(1, 1)], 0)).Accepted);
            for (var i = 0; i < ProtocolOptions.Default.ElectionTimeoutTicks; i++)
            {
                follower.Advance();
                follower.Tick();
            }

            if (follower.State != SupervisorState.Follower)
            {
                continue; // Its timer fired at E exactly; try another draw.
            }

            follower.Advance();
            Assert.Equal(P2, follower.Leader);
            Assert.True(follower.Step(RequestFrom(follower, P3, 1, 1, 1, false)).Accepted);
            Assert.False(Assert.IsType<VoteResponse>(Assert.Single(Take(follower).Messages)).Granted);
            Assert.Null(follower.VotedFor);
            return;
        }

        Assert.Fail("no draw left a follower past E without campaigning");
    }

    [Fact]
    public void Election_timeouts_are_drawn_from_E_to_2E_minus_one()
    {
        var campaigns = new HashSet<long>();
        for (ulong seed = 1; seed <= 30; seed++)
        {
            var node = Follower(seed);
            Assert.True(node.Step(Append(node, 1, 0, 0, [NoOp(1, 1)], 0)).Accepted);
            for (var i = 1; i < 100; i++)
            {
                node.Advance();
                node.Tick();
                if (node.State == SupervisorState.PreCandidate)
                {
                    campaigns.Add(node.Now);
                    break;
                }
            }
        }

        Assert.All(campaigns, t => Assert.InRange(t, 15, 29));
        Assert.True(campaigns.Count > 5, $"only {campaigns.Count} distinct timeouts");
        Assert.Contains(campaigns, t => t > 22);
    }

    [Fact]
    public void A_pre_candidate_alone_waits_a_full_timeout_between_campaigns()
    {
        var node = PreCandidate();
        var campaigns = new List<long> { node.Now };
        for (var i = 0; i < 200; i++)
        {
            node.Advance();
            node.Tick();
            if (node.GetReady().Messages.OfType<VoteRequest>().Any())
            {
                campaigns.Add(node.Now);
            }
        }

        Assert.True(campaigns.Count > 5);
        for (var k = 1; k < campaigns.Count; k++)
        {
            Assert.InRange(campaigns[k] - campaigns[k - 1], 15, 29);
        }
    }

    [Fact]
    public void Adopting_a_higher_term_restarts_the_election_timer()
    {
        var node = Restored(new HardState(1, null, 0));
        GiveQuorum(node);
        for (var i = 0; i < 10; i++)
        {
            node.Advance();
            node.Tick();
        }

        // A vote response of term 5 (not for us) brings term 5 and nothing to send: only the hard state changes.
        node.Advance();
        var result = node.Step(VoteFrom(node, P2, 5, false, false));
        Assert.False(result.Accepted);
        Assert.True(node.HasReady);
        var (messages, effects, ready) = Take(node);
        Assert.Empty(messages);
        Assert.Empty(effects);
        Assert.Equal(new HardState(5, null, 0), ready.HardState);
        node.Tick();
        Assert.Null(node.GetReady().HardState); // Advance cleared it.
        for (var i = 0; i < 100 && node.State == SupervisorState.Follower; i++)
        {
            node.Advance();
            node.Tick();
        }

        Assert.True(node.Now >= 10 + 15, $"campaigned at tick {node.Now}, less than E after adopting term 5 at tick 10");
    }

    [Fact]
    public void Messages_of_a_higher_term_during_a_lease_and_of_stale_terms_are_answered_or_dropped()
    {
        var node = Follower();
        Assert.True(node.Step(Append(node, 1, 0, 0, [NoOp(1, 1)], 0, leaderTick: 7)).Accepted);
        node.Advance();

        var withheld = node.Step(RequestFrom(node, P3, 2, 1, 1, false));
        Assert.Equal(new StepResult(false, "vote request for term 2 from p3:9070 while a master's lease may hold", DropCategory.VoteWithheld), withheld);
        Assert.Equal(1, node.Term);

        var staleAppend = node.Step(new AppendEntries(P3, P1, ClusterIdOf(node), 0, 0, 0, [], 0, 9, 0));
        Assert.Equal(new StepResult(false, "AppendEntries of stale term 0 from p3:9070", DropCategory.StaleTerm), staleAppend);
        Assert.Equal(new AppendEntriesResponse(P1, P3, ClusterIdOf(node), 1, false, 0, 0, 9), Assert.Single(Take(node).Messages));

        var staleVote = node.Step(RequestFrom(node, P3, 0, 1, 1, true));
        Assert.Equal(new StepResult(false, "vote request of stale term 0 from p3:9070", DropCategory.StaleTerm), staleVote);
        Assert.Equal(new VoteResponse(P1, P3, ClusterIdOf(node), 1, false, true), Assert.Single(Take(node).Messages));

        var staleOther = node.Step(VoteFrom(node, P3, 0, false, false));
        Assert.Equal(new StepResult(false, "VoteResponse of stale term 0 from p3:9070", DropCategory.StaleTerm), staleOther);
        Assert.Empty(Take(node).Messages);

        var higher = node.Step(new AppendEntriesResponse(P3, P1, ClusterIdOf(node), 4, false, 0, 0, 0));
        Assert.False(higher.Accepted);
        Assert.Equal(4, node.Term);
        Assert.Null(node.Leader);
        Assert.Equal(new HardState(4, null, 0), Take(node).Ready.HardState);
    }

    [Fact]
    public void A_master_steps_down_for_a_higher_term_and_stops_its_coordinator()
    {
        var node = Master();
        Assert.True(node.CoordinatorRunning);
        node.Step(new AppendEntriesResponse(P2, P1, ClusterIdOf(node), 3, false, 0, 0, 0));
        Assert.Equal(SupervisorState.Follower, node.State);
        Assert.False(node.CoordinatorRunning);
        Assert.Equal(0, node.CoordinatorEpoch);
        Assert.Equal(3, node.Term);
        var effects = Take(node).Effects;
        Assert.Equal(
            new CoordinatorStopped(1, "mastership of term 1 lost: AppendEntriesResponse from p2:9070 carries term 3"),
            effects.OfType<CoordinatorStopped>().Single());
        Assert.Equal(1, effects.OfType<CoordinatorStopped>().Single().Epoch);
    }

    [Fact]
    public void A_peer_waiting_for_quorum_leaves_the_wait_on_the_message_that_brings_it()
    {
        var node = Peer();
        Assert.True(node.Step(RequestFrom(node, P2, 0, 0, 0, true)).Accepted);
        Assert.Equal(SupervisorState.Follower, node.State);
        Assert.Contains(Take(node).Effects, e => e is SupervisorStateChanged { To: SupervisorState.Follower, Reason: "quorum reached: 2 of 3 supervisors answer" });
    }

    [Fact]
    public void Station_messages_from_strangers_other_stations_or_to_non_peers_are_dropped()
    {
        var none = Fresh();
        Assert.Equal(
            new StepResult(false, "VoteRequest from p2:9070, but this node runs no supervisor", DropCategory.RoleMismatch),
            none.Step(new VoteRequest(P2, P1, "c", 1, 0, 0, false)));

        var node = Follower();
        Assert.Equal(
            new StepResult(false, $"VoteResponse from s1:9070, which is not a peer of station {Station.ClusterId}", DropCategory.NotAMember),
            node.Step(new VoteResponse(S1, P1, Station.ClusterId, 1, true, false)));
        Assert.Equal(
            new StepResult(false, $"VoteRequest from p1:9070, which is not a peer of station {Station.ClusterId}", DropCategory.NotAMember),
            node.Step(new VoteRequest(P1, P1, Station.ClusterId, 1, 0, 0, false)));
        Assert.Equal(
            new StepResult(false, $"VoteRequest from p3:9070 of station halon-other; this is station {Station.ClusterId}", DropCategory.OtherStation),
            node.Step(new VoteRequest(P3, P1, "halon-other", 1, 0, 0, false)));
        Assert.Equal(new PeerStatus("p3:9070", false, "different cluster halon-other", -1), node.GetStatus().Peers[2]);
        Assert.Equal(
            new StepResult(false, "unknown station message UnknownStationMessage", DropCategory.Malformed),
            node.Step(new UnknownStationMessage(P2, P1, Station.ClusterId, 0)));
        Assert.Equal(
            new StepResult(false, "unknown message type UnknownMessage", DropCategory.Malformed),
            node.Step(new UnknownMessage(P2, P1)));
        Assert.Equal(
            new StepResult(false, "addressed to p2:9070, not to p1:9070", DropCategory.Misaddressed),
            node.Step(new UnknownMessage(P3, P2)));
        Assert.Throws<ArgumentNullException>(() => node.Step(null!));
    }
}
