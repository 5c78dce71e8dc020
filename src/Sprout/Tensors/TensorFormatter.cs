using System.Globalization;
using System.Text;

namespace Sprout;

/// <summary>NumPy-style printing: nested brackets, the middle of long dimensions elided with "...".</summary>
internal static class TensorFormatter
{
    private const int Threshold = 1000, EdgeItems = 3;

    public static string Format(Tensor t)
    {
        if (t.IsMeta) return $"Tensor(shape={t.Shape}, meta)";
        if (t.IsReleased) return $"Tensor(shape={t.Shape}, released)";
        var data = t.ToArray();
        bool summarize = data.Length > Threshold;
        var sb = new StringBuilder();
        if (t.Rank == 0) sb.Append(Number(data[0]));
        else Append(sb, data, t.Shape, 0, 0, summarize);
        sb.Append("\n<Tensor ").Append(t.Shape).Append('>');
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, float[] data, Shape shape, int axis, int offset, bool summarize)
    {
        int n = shape[axis], stride = shape.Product(axis + 1, shape.Rank);
        sb.Append('[');
        for (int i = 0; i < n; i++)
        {
            if (summarize && n > 2 * EdgeItems && i == EdgeItems)
            {
                sb.Append(axis == shape.Rank - 1 ? "..., " : "...,\n" + new string(' ', axis + 1));
                i = n - EdgeItems - 1;
                continue;
            }
            if (axis == shape.Rank - 1) sb.Append(Number(data[offset + i]));
            else Append(sb, data, shape, axis + 1, offset + i * stride, summarize);
            if (i < n - 1)
                sb.Append(axis == shape.Rank - 1 ? ", " : "," + new string('\n', shape.Rank - axis - 1) + new string(' ', axis + 1));
        }
        sb.Append(']');
    }

    private static string Number(float v) =>
        v != 0 && (MathF.Abs(v) < 1e-4f || MathF.Abs(v) >= 1e8f) ? v.ToString("0.####e+0", CultureInfo.InvariantCulture) : v.ToString("0.0000", CultureInfo.InvariantCulture);
}
