using System.Globalization;
using System.Text;

namespace Sprout.Nn;

/// <summary>
/// One row per layer of a summary's dry run, rendered as a table. A layer that runs several times under one path (a
/// decoder's attention inside its loop over steps) is one row, its first call's output shape marked with the count.
/// </summary>
internal sealed class SummaryTable
{
    private readonly List<(string Path, string Layer, string Output, string[] Params, long Count, int Calls)> _rows = [];
    private long _untrained;   // elements of buffers (running statistics) and frozen parameters (GradReq.Null) among the counted
    private readonly Dictionary<(string Path, Block Block), int> _rowOf = [];
    private readonly HashSet<ParameterSlot> _counted = new(ReferenceEqualityComparer.Instance);

    /// <summary>Adds a row for a leaf block (or any block holding parameters of its own), or counts another call of one.</summary>
    public void Add(ForwardTrace.Entry entry)
    {
        if (entry.Block.Children.Any() && entry.Parameters.Count == 0) return;
        string path = entry.Path.Length == 0 ? "(root)" : entry.Path;
        if (_rowOf.TryGetValue((path, entry.Block), out int seen))
        {
            _rows[seen] = _rows[seen] with { Calls = _rows[seen].Calls + 1 };
            return;
        }
        long count = 0;
        foreach (var (_, p, shape) in entry.Parameters)
            if (_counted.Add(p.Slot) && shape.IsKnown)
            {
                count += shape.ElementCount;
                if (p.IsBuffer || p.GradReq == GradReq.Null) _untrained += shape.ElementCount;
            }
        _rowOf[(path, entry.Block)] = _rows.Count;
        _rows.Add((path, entry.Block.GetType().Name, string.Join(", ", entry.Outputs), [.. entry.Parameters.Select(t => $"{t.Name} {t.Shape}")], count, 1));
    }

    /// <summary>A parameters cell longer than this wraps onto further lines (a two-layer GRU lists eight tensors).</summary>
    private const int ParametersWidth = 64;

    public string Render(IReadOnlyList<Shape> inputs, IReadOnlyList<Shape> outputs)
    {
        var header = ("Layer", "Type", "Output shape", "Parameters", "Count");
        var rows = _rows.Select(r => (r.Path, r.Layer, Output: r.Calls > 1 ? $"{r.Output} ×{r.Calls}" : r.Output, Params: Wrap(r.Params), Count: Format(r.Count))).ToList();
        var cells = rows.Select(r => (r.Path, r.Layer, r.Output, r.Params[0], r.Count)).Prepend(header).ToList();
        int w1 = cells.Max(c => c.Item1.Length), w2 = cells.Max(c => c.Item2.Length), w3 = cells.Max(c => c.Item3.Length),
            w4 = Math.Max(header.Item4.Length, rows.Select(r => r.Params.Max(line => line.Length)).DefaultIfEmpty(0).Max()), w5 = cells.Max(c => c.Item5.Length);
        string Line((string, string, string, string, string) c) =>
            $"{c.Item1.PadRight(w1)}  {c.Item2.PadRight(w2)}  {c.Item3.PadRight(w3)}  {c.Item4.PadRight(w4)}  {c.Item5.PadLeft(w5)}".TrimEnd();
        int width = w1 + w2 + w3 + w4 + w5 + 8;
        var sb = new StringBuilder();
        sb.Append(inputs.Count == 1 ? "Input shape: " : "Input shapes: ").Append(string.Join(", ", inputs)).Append('\n');
        sb.Append(Line(header)).Append('\n').Append(new string('-', width)).Append('\n');
        foreach (var (path, layer, output, parameters, count) in rows)
        {
            sb.Append(Line((path, layer, output, parameters[0], count))).Append('\n');
            foreach (var more in parameters.Skip(1)) sb.Append(Line(("", "", "", more, ""))).Append('\n');
        }
        sb.Append(new string('-', width)).Append('\n');
        sb.Append(outputs.Count == 1 ? "Output shape: " : "Output shapes: ").Append(string.Join(", ", outputs)).Append('\n');
        long total = _rows.Sum(r => r.Count);
        sb.Append("Total parameters: ").Append(Format(total));
        if (_untrained > 0)   // as Keras and Gluon split them: what the trainer updates, and the rest
            sb.Append('\n').Append("Trainable parameters: ").Append(Format(total - _untrained))
              .Append(" (").Append(Format(_untrained)).Append(" in buffers or frozen)");
        return sb.ToString();
    }

    /// <summary>The parameters cell as lines of at most <see cref="ParametersWidth"/> (or one parameter), broken between parameters.</summary>
    private static string[] Wrap(string[] parameters)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        for (int i = 0; i < parameters.Length; i++)
        {
            string item = parameters[i] + (i < parameters.Length - 1 ? "," : "");
            if (line.Length > 0 && line.Length + 1 + item.Length > ParametersWidth)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            line.Append(line.Length > 0 ? " " : "").Append(item);
        }
        lines.Add(line.ToString());
        return [.. lines];
    }

    private static string Format(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
