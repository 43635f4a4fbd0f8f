using System.Text;

namespace Halon.Ctl.Output;

/// <summary>Writes to another writer with every line indented; <c>demo</c> uses it to nest a command's output under its narration.</summary>
internal sealed class IndentedWriter : TextWriter
{
    private readonly TextWriter _inner;
    private readonly string _indent;
    private bool _atLineStart = true;

    public IndentedWriter(TextWriter inner, string indent)
    {
        _inner = inner;
        _indent = indent;
    }

    public override Encoding Encoding => _inner.Encoding;

    public override void Write(char value)
    {
        if (_atLineStart && value != '\n')
        {
            _inner.Write(_indent);
        }

        _inner.Write(value);
        _atLineStart = value == '\n';
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? string.Empty)
        {
            Write(c);
        }
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write('\n');
    }

    public override void Flush() => _inner.Flush();
}
