using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>
/// A GRU step's gate arithmetic over rows, PyTorch's gate order (r, z, n): given the input part gx and the recurrent
/// part gh (each row 3·H wide) and the state h, r = σ(gx_r + gh_r), z = σ(gx_z + gh_z), n = tanh(gx_n + r ⊙ gh_n),
/// h′ = n + z ⊙ (h − n). The forward keeps r, z and n for the backward.
/// </summary>
internal static class GruGates
{
    /// <summary>Writes h′ and the saved gates for rows of <paramref name="h"/> (each <paramref name="hidden"/> wide).</summary>
    public static void Forward(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> h, int hidden,
        Span<float> hNext, Span<float> r, Span<float> z, Span<float> n)
    {
        for (int row = 0; row < h.Length / hidden; row++)
        {
            int gates = row * 3 * hidden, at = row * hidden;
            Span<float> rRow = r.Slice(at, hidden), zRow = z.Slice(at, hidden), nRow = n.Slice(at, hidden), next = hNext.Slice(at, hidden);
            TensorPrimitives.Add(gx.Slice(gates, hidden), gh.Slice(gates, hidden), rRow);
            TensorPrimitives.Sigmoid(rRow, rRow);
            TensorPrimitives.Add(gx.Slice(gates + hidden, hidden), gh.Slice(gates + hidden, hidden), zRow);
            TensorPrimitives.Sigmoid(zRow, zRow);
            TensorPrimitives.FusedMultiplyAdd(rRow, gh.Slice(gates + 2 * hidden, hidden), gx.Slice(gates + 2 * hidden, hidden), nRow);
            TensorPrimitives.Tanh(nRow, nRow);
            TensorPrimitives.Subtract(h.Slice(at, hidden), nRow, next);
            TensorPrimitives.FusedMultiplyAdd(next, zRow, nRow, next);
        }
    }

    /// <summary>
    /// From dh′: the gradients of gx and gh (rows 3·H wide) and of h. With a = the pre-activations,
    /// ∂n = dh′(1 − z)(1 − n²), ∂z = dh′(h − n)z(1 − z), ∂r = ∂n·gh_n·r(1 − r); gx gets (∂r, ∂z, ∂n), gh (∂r, ∂z, ∂n ⊙ r),
    /// h gets dh′ ⊙ z.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dhNext, ReadOnlySpan<float> gh, ReadOnlySpan<float> h, ReadOnlySpan<float> r,
        ReadOnlySpan<float> z, ReadOnlySpan<float> n, int hidden, Span<float> dgx, Span<float> dgh, Span<float> dh)
    {
        for (int row = 0; row < h.Length / hidden; row++)
        {
            int gates = row * 3 * hidden, at = row * hidden;
            for (int j = 0; j < hidden; j++)
            {
                int i = at + j;
                float g = dhNext[i], rr = r[i], zz = z[i], nn = n[i];
                float dn = g * (1 - zz) * (1 - nn * nn);
                float dz = g * (h[i] - nn) * zz * (1 - zz);
                float dr = dn * gh[gates + 2 * hidden + j] * rr * (1 - rr);
                dgx[gates + j] = dr; dgx[gates + hidden + j] = dz; dgx[gates + 2 * hidden + j] = dn;
                dgh[gates + j] = dr; dgh[gates + hidden + j] = dz; dgh[gates + 2 * hidden + j] = dn * rr;
                dh[i] = g * zz;
            }
        }
    }
}
