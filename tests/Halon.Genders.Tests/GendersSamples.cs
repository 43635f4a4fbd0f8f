namespace Halon.Genders.Tests;

/// <summary>Genders files for the comparison against nodeattr, keyed by a name that shows up in test output.</summary>
internal static class GendersSamples
{
    public static readonly IReadOnlyDictionary<string, string> Valid = new Dictionary<string, string>
    {
        ["bootstrap"] = """
            # Halon bootstrap cluster
            ts[01-03]   station,halon_port=7000
            sat[1-12]   satellite
            sat5        halon_port=7101   # one satellite listens elsewhere
            mgmt        station,satellite,halon_port=7200
            """,
        ["ranges"] = """
            n[1-4,7,10-12]  compute
            a,b[1-2],c      login
            m[8-12]         gpu
            p[08-11]        gpu
            q[1-03]         gpu
            r[001-3],s[05]  storage
            [1-3]           numeric
            t[1-2]x,u[3]y   suffixed
            v[1-3,2-4]
            w,w
            """,
        ["whitespace_and_comments"] = "  # leading comment\r\n\r\nfoo\ta=1   # trailing\r\n\t bar \t b,c=2#cut\r\n"
            + "baz   c=3#\n#\n   \nqux\t\t\n",
        ["substitution"] = """
            n[1-3]  ip=10.0.0.%n
            n[1-3]  fqdn=%n.cluster
            n[1-3]  literal=%%n
            n[1-3]  both=%%%n
            n[1-3]  odd=%x%
            n[1-3]  percent=100%
            n[1-3]  twice=%n-%n
            n2      eq=a=b=c
            """,
        ["spread_over_lines"] = """
            alpha
            beta  x
            alpha y
            gamma
            beta  z=1
            alpha x,z=2
            gamma x
            delta
            """,
        ["sort_order"] = """
            n10,n,n0,n00,n1,n01,n001,n9,n010,n100 x
            N1,a-1,1,007,x1y2,tsA,n9a,n-1 x
            n[8-12] y
            n[013-014],n[08-09] y
            rack[10-12],rack[7-9],rack02 y
            zeta y
            """,
        ["attribute_characters"] = "foo a|b,c&d,~e,(f),g-h,i!j,k[1],l%%m,n:o,p/q,UPPER,r=%n\nbar UPPER=Case\n",
        ["empty"] = "",
        ["comments_only"] = "# nothing here\n\n   # still nothing\n",
        ["bounds"] = $"{new string('a', GendersLimits.NodeNameBytesMax)} x\n"
            + $"{new string('b', GendersLimits.NodeNameBytesMax - 2)}[8-10] x\n"
            + $"long x,v={new string('v', GendersLimits.LineBytesMax - "long x,v=".Length)}\n"
            + $"big[1-{GendersLimits.RangeNodesMax}] y\n",
    };

    /// <summary>Files nodeattr rejects; the value is the first line nodeattr -k reports.</summary>
    public static readonly IReadOnlyDictionary<string, (string Text, int Line)> Invalid = new Dictionary<string, (string, int)>
    {
        ["repeat_other_line"] = ("ts[01-03] station\n\n\nts02 station\n", 4),
        ["repeat_with_value"] = ("foo a\nfoo a=1\n", 2),
        ["repeat_same_line"] = ("ok x\nfoo a,a\n", 2),
        ["repeat_node_in_list"] = ("foo,foo a\n", 1),
        ["repeat_overlapping_ranges"] = ("n[1-3,2-4] x\n", 1),
        ["dotted_name"] = ("ok x\nfoo.example.com x\n", 2),
        ["dotted_range"] = ("n[1-2].x y\n", 1),
        ["space_in_attributes"] = ("foo a b\n", 1),
        ["tab_in_attributes"] = ("foo a\tb\n", 1),
        ["doubled_comma"] = ("foo a,,b\n", 1),
        ["trailing_comma"] = ("foo a,\n", 1),
        ["only_comma"] = ("foo ,\n", 1),
        ["no_attribute_name"] = ("foo =x\n", 1),
        ["no_value"] = ("# c\nfoo a=\n", 2),
        ["backwards_range"] = ("n[3-1] x\n", 1),
        ["empty_brackets"] = ("n[] x\n", 1),
        ["letters_in_range"] = ("n[a-b] x\n", 1),
        ["negative_range"] = ("n[-1] x\n", 1),
        ["empty_range_item"] = ("n[1,,2] x\n", 1),
        ["double_dash"] = ("n[1-2-3] x\n", 1),
        ["nested_brackets"] = ("n[[1-3] x\n", 1),
        ["range_too_large"] = ($"n[1-{GendersLimits.RangeNodesMax + 1}] x\n", 1),
        ["too_many_range_items"] = ($"n[{string.Join(',', Enumerable.Range(1, GendersLimits.RangeItemsMax + 1))}] x\n", 1),
        ["name_too_long"] = ($"ok\n{new string('a', GendersLimits.NodeNameBytesMax + 1)} x\n", 2),
        ["range_name_too_long"] = ($"{new string('a', GendersLimits.NodeNameBytesMax - 1)}[9-10] x\n", 1),
        ["line_too_long"] = ($"ok\nlong x,v={new string('v', GendersLimits.LineBytesMax - "long x,v=".Length + 1)}\n", 2),
    };

    /// <summary>
    /// Files nodeattr 1.22 accepts but this reader rejects on purpose, because libgenders turns them into odd node
    /// names (see the remarks on <see cref="HostRange"/> and <see cref="GendersFile"/>).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> StricterThanNodeattr = new Dictionary<string, string>
    {
        ["unclosed_bracket"] = "n[1 x\n",
        ["unopened_bracket"] = "n1] x\n",
        ["bracket_after_range"] = "n[1-3]x[ x\n",
        ["two_bracket_groups"] = "n[1-2]s[1-2] x\n",
        ["open_ended_range"] = "n[1-] x\n",
        ["plus_sign"] = "n[+1-3] x\n",
        ["control_character"] = "foo\vbar x\n",
        ["number_over_64_bits"] = "n[99999999999999999999] x\n",
        ["byte_order_mark"] = "\uFEFFfoo x\n",
    };
}
