using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>
/// Scaled dot-product attention for one block — one batch row and head: Q (tq × d), K (tk × d), V (tk × dv), all
/// row-major. The scores go straight into the weights' block, are scaled, masked and turned into softmax rows in
/// place; the backward forms dP and dS in two tq × tk scratch blocks of the calling thread. A key is masked for query r
/// when j ≥ valid[r] (valid empty: none) or mask[r·tk + j] ≠ 0 (mask empty: none); a masked score is set to
/// <see cref="MaskedScore"/>, so a fully masked row gets uniform weights, as the composed ops give.
/// </summary>
internal static class AttentionBlocks
{
    /// <summary>The score a masked key gets (Tensor.MaskedScore).</summary>
    public const float MaskedScore = -1e6f;

    /// <summary>The operands of one block: arrays and the offsets of its matrices.</summary>
    public readonly record struct Block(int Tq, int Tk, int D, int Dv, float Scale,
        float[] Q, int QOffset, float[] K, int KOffset, float[] V, int VOffset, float[] P, int POffset);

    /// <summary>P = softmax(scale·Q·Kᵀ, masked) into the block's weights.</summary>
    public static void Weights(in Block b, ReadOnlySpan<float> valid, ReadOnlySpan<float> mask)
    {
        Product(false, true, b.Tq, b.Tk, b.D, b.Scale, b.Q, b.QOffset, b.D, b.K, b.KOffset, b.D, b.P, b.POffset, b.Tk);
        var p = b.P.AsSpan(b.POffset, b.Tq * b.Tk);
        for (int r = 0; r < b.Tq; r++)
        {
            var row = p.Slice(r * b.Tk, b.Tk);
            Mask(row, valid.IsEmpty ? b.Tk : valid[r], mask.IsEmpty ? default : mask.Slice(r * b.Tk, b.Tk), MaskedScore);
            SoftmaxRows.Forward(row, b.Tk, row);
        }
    }

    /// <summary>O = used·V, used = P (or P ⊙ drop, written to <paramref name="scratch"/>).</summary>
    public static void Mix(in Block b, ReadOnlySpan<float> drop, float[] scratch, float[] o, int oOffset)
    {
        var (used, usedOffset) = Used(b, drop, scratch);
        Product(false, false, b.Tq, b.Dv, b.Tk, 1f, used, usedOffset, b.Tk, b.V, b.VOffset, b.Dv, o, oOffset, b.Dv);
    }

    /// <summary>
    /// From dO: dV = usedᵀ·dO, dP = (dO·Vᵀ) (⊙ drop), then the scores' backward (<see cref="ScoresBackward"/>).
    /// <paramref name="scratch"/> holds two tq × tk blocks.
    /// </summary>
    public static void Backward(in Block b, ReadOnlySpan<float> valid, ReadOnlySpan<float> mask, ReadOnlySpan<float> drop,
        float[] dO, int dOOffset, float[] scratch, float[] dQ, float[] dK, float[] dV, int qOffset, int kOffset, int vOffset)
    {
        int block = b.Tq * b.Tk;
        var (used, usedOffset) = Used(b, drop, scratch);
        Product(true, false, b.Tk, b.Dv, b.Tq, 1f, used, usedOffset, b.Tk, dO, dOOffset, b.Dv, dV, vOffset, b.Dv);
        Product(false, true, b.Tq, b.Tk, b.Dv, 1f, dO, dOOffset, b.Dv, b.V, b.VOffset, b.Dv, scratch, block, b.Tk);
        if (!drop.IsEmpty) TensorPrimitives.Multiply(scratch.AsSpan(block, block), drop, scratch.AsSpan(block, block));
        ScoresBackward(b, valid, mask, scratch, block, scratch, dQ, dK, qOffset, kOffset);
    }

    /// <summary>
    /// From dP (at <paramref name="dP"/>[<paramref name="dPOffset"/>]): dS = P ⊙ (dP − Σ dP⊙P) per row, zero where masked
    /// (into the first scratch block), dQ = scale·dS·K, dK = scale·dSᵀ·Q.
    /// </summary>
    public static void ScoresBackward(in Block b, ReadOnlySpan<float> valid, ReadOnlySpan<float> mask, float[] dP, int dPOffset,
        float[] scratch, float[] dQ, float[] dK, int qOffset, int kOffset)
    {
        int block = b.Tq * b.Tk;
        var dS = scratch.AsSpan(0, block);
        SoftmaxRows.Backward(b.P.AsSpan(b.POffset, block), dP.AsSpan(dPOffset, block), b.Tk, dS);
        if (!valid.IsEmpty || !mask.IsEmpty)
            for (int r = 0; r < b.Tq; r++)
                Mask(dS.Slice(r * b.Tk, b.Tk), valid.IsEmpty ? b.Tk : valid[r], mask.IsEmpty ? default : mask.Slice(r * b.Tk, b.Tk), 0f);
        Product(false, false, b.Tq, b.D, b.Tk, b.Scale, scratch, 0, b.Tk, b.K, b.KOffset, b.D, dQ, qOffset, b.D);
        Product(true, false, b.Tk, b.D, b.Tq, b.Scale, scratch, 0, b.Tk, b.Q, b.QOffset, b.D, dK, kOffset, b.D);
    }

    /// <summary>Floats of scratch a thread needs for blocks of this size.</summary>
    public static int ScratchLength(int tq, int tk) => 2 * tq * tk;

    private static (float[] Array, int Offset) Used(in Block b, ReadOnlySpan<float> drop, float[] scratch)
    {
        if (drop.IsEmpty) return (b.P, b.POffset);
        TensorPrimitives.Multiply(b.P.AsSpan(b.POffset, b.Tq * b.Tk), drop, scratch.AsSpan(0, b.Tq * b.Tk));
        return (scratch, 0);
    }

    /// <summary>Sets the row's masked entries to <paramref name="value"/>.</summary>
    private static void Mask(Span<float> row, float valid, ReadOnlySpan<float> mask, float value)
    {
        int first = valid >= row.Length ? row.Length : Math.Max(0, (int)MathF.Ceiling(valid));
        row[first..].Fill(value);
        if (mask.IsEmpty) return;
        for (int j = 0; j < first; j++)
            if (mask[j] != 0f) row[j] = value;
    }

    /// <summary>C = alpha·op(A)·op(B) (overwriting C) on one thread: the small-product kernel where it suits, else the GEMM.</summary>
    private static void Product(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, int aOffset, int lda,
        float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc)
    {
        if (SmallGemm.Suits(m, n, k))
        {
            SmallGemm.Multiply(Gemm.Kernel, transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
            if (alpha != 1f)
                for (int r = 0; r < m; r++) TensorPrimitives.Multiply(c.AsSpan(cOffset + r * ldc, n), alpha, c.AsSpan(cOffset + r * ldc, n));
        }
        else Gemm.Multiply(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, 0f, c, cOffset, ldc);
    }
}
