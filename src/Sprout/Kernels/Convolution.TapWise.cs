namespace Sprout.Kernels;

/// <summary>
/// Convolutions over small planes as one product per kernel tap, over the positions where the tap reads inside the
/// image only. With "same" padding, a 3×3 kernel on a 3×3 plane reads the padding's zeros in 32 of its 81 (tap,
/// position) pairs, and im2col multiplies them all: 40 % of ResNet-18's 512-channel layers' work. Here tap t's inputs
/// are gathered into X_t (C × |V_t|·N, V_t the rectangle of output positions it reaches) and Y += W_t · X_t with W_t
/// (O × C) the tap's slice of the weights; the backward pass runs the same products transposed (dW_t = dY_t · X_tᵀ,
/// dX_t = W_tᵀ · dY_t, added back at the tap's input positions). Each product is a plain GEMM of depth C or O, which
/// the packed kernel runs near its peak, where the 512-channel layer's single product of depth 4,608 ran at 62–66 %.
/// Where fewer pairs read padding the nine products lose: 256 channels on 6×6 (21 % padding) measured 5.0–5.4 ms a
/// pass against im2col's 4.3–4.7 (each product writes, and all but one add back, a 1.2 MB output), so only planes
/// with at least 30 % padding go this way. Results equal im2col's up to the order of the sums (rounding).
/// </summary>
internal static partial class Convolution
{
    [ThreadStatic] private static float[]? t_tapWeights, t_tapWeightGrads, t_tapBlock, t_tapInputGrads, t_tapInputsT, t_tapInputGradsT;

    /// <summary>Whether small planes may take this path (benchmarks switch it off to compare: <c>profile resnet taps</c>).</summary>
    internal static bool TapWise { get; set; } = true;

    /// <summary>The largest share of (tap, position) pairs inside the image for which the taps are multiplied apart.</summary>
    private const double TapWiseMaxInside = 0.7;

    /// <summary>The largest gathered input (C × N·pixels) this path takes.</summary>
    private const long TapWiseBytes = 16L << 20;

    /// <summary>The output positions where one kernel tap reads inside the image: rows [Row0, Row1) × columns [Col0, Col1).</summary>
    private readonly record struct TapBlock(int Tap, int Ki, int Kj, int Row0, int Row1, int Col0, int Col1)
    {
        public int Rows => Row1 - Row0;
        public int Cols => Col1 - Col0;
        public int Count => Rows * Cols;
    }

    /// <summary>Whether <paramref name="p"/> runs tap by tap: one group, no dilation, and padding read by at least 30 % of the pairs.</summary>
    internal static bool UsesTapWise(Problem p) =>
        TapWise && p.Groups == 1 && p.Geometry.DilationH == 1 && p.Geometry.DilationW == 1
        && (long)p.C * p.N * p.Pixels * sizeof(float) <= TapWiseBytes
        && (double)Taps(p).Sum(t => t.Count) / (p.Geometry.KernelH * p.Geometry.KernelW * p.Pixels) <= TapWiseMaxInside;

    /// <summary>The taps that read inside the image somewhere, each with its block of output positions; a tap covering every position first.</summary>
    private static TapBlock[] Taps(Problem p)
    {
        var g = p.Geometry;
        var taps = new List<TapBlock>();
        for (int ki = 0; ki < g.KernelH; ki++)
            for (int kj = 0; kj < g.KernelW; kj++)
            {
                var (r0, r1) = Inside(p.OutH, p.H, ki, g.StrideH, g.PadH);
                var (c0, c1) = Inside(p.OutW, p.W, kj, g.StrideW, g.PadW);
                if (r1 > r0 && c1 > c0) taps.Add(new TapBlock(ki * g.KernelW + kj, ki, kj, r0, r1, c0, c1));
            }
        return [.. taps.OrderBy(t => t.Count == p.Pixels ? 0 : 1)];   // stable: then in tap order
    }

    /// <summary>The outputs o in [0, <paramref name="outSize"/>) with 0 ≤ o·stride − pad + k &lt; <paramref name="inSize"/>.</summary>
    private static (int First, int Last) Inside(int outSize, int inSize, int k, int stride, int pad)
    {
        int first = pad - k <= 0 ? 0 : (pad - k + stride - 1) / stride;
        int top = inSize - 1 + pad - k;
        int last = top < 0 ? 0 : Math.Min(outSize, top / stride + 1);
        return (first, Math.Max(first, last));
    }

    // Layouts: position-major with the batch innermost, so that every block row is one run of Cols·N floats (stride 1)
    // or N floats per position (stride 2): x as (C, H·W, N), the product and dY as (O, pixels·N), X_t as
    // (C, |V_t|·N) and W_t as (O, C).

    /// <summary>y = Σ_t W_t · X_t into the (O, pixels·N) product (a tap covering every position writes it first), then into y's planes with the bias.</summary>
    private static void ForwardTaps(Problem p, float[] x, int xOffset, float[] w, int wOffset, float[] y, float[]? bias, int biasOffset)
    {
        int columns = p.N * p.Pixels;
        var weights = PackTapWeights(p, w, wOffset, transpose: false);
        var inputs = SamplesInnermost(p, x, xOffset);
        var product = Buffer(ref t_product, p.O * columns);
        var taps = Taps(p);
        if (taps.Length == 0 || taps[0].Count != p.Pixels) product.AsSpan(0, p.O * columns).Clear();
        for (int i = 0; i < taps.Length; i++)
        {
            var t = taps[i];
            int width = p.N * t.Count;
            var input = Buffer(ref t_cols, p.C * width);
            MoveInputs(p, t, input, inputs, add: false);
            bool full = t.Count == p.Pixels;   // the product's own layout: multiply into it
            var target = full ? product : Buffer(ref t_tapBlock, p.O * width);
            MultiplyTap(p.O, width, p.C, weights, t.Tap, input, full && i > 0 ? 1f : 0f, target, full ? columns : width);
            if (!full) MoveBlock(p, t, target, product, add: true);
        }
        WorkerPool.ForRanges(p.O, (long)p.O * columns, (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
                Transpose(product.AsSpan(o * columns, columns), p.Pixels, p.N, y, o * p.Pixels, p.O * p.Pixels, bias is null ? 0f : bias[biasOffset + o]);
        });
    }

    /// <summary>dw (written whole) and dx (added to) tap by tap, from dY laid out as (O, pixels·N).</summary>
    private static void BackwardTaps(Problem p, float[] x, int xOffset, float[] w, int wOffset, float[] dy, int dyOffset, float[]? dx, float[]? dw)
    {
        int columns = p.N * p.Pixels, taps = p.Geometry.KernelH * p.Geometry.KernelW, plane = p.H * p.W;
        var gradient = Buffer(ref t_product, p.O * columns);
        WorkerPool.ForRanges(p.O, (long)p.O * columns, (o0, o1) =>
        {
            for (int o = o0; o < o1; o++) Interleave(dy, dyOffset + o * p.Pixels, p.O * p.Pixels, p.N, p.Pixels, gradient.AsSpan(o * columns, columns));
        });
        var weights = dx is null ? default : PackTapWeights(p, w, wOffset, transpose: true);
        var inputs = dw is null ? null : SamplesInnermost(p, x, xOffset);
        var blocks = Taps(p);
        var weightGrads = dw is null ? null : Buffer(ref t_tapWeightGrads, taps * p.O * p.C);
        if (weightGrads is not null) ClearTapsOutside(blocks, taps, p.O * p.C, weightGrads);
        var inputGradsT = dx is null ? null : Buffer(ref t_tapInputGradsT, p.C * plane * p.N);
        inputGradsT?.AsSpan(0, p.C * plane * p.N).Clear();
        foreach (var t in blocks)
        {
            int width = p.N * t.Count;
            float[] g = gradient;
            if (t.Count != p.Pixels)
            {
                g = Buffer(ref t_tapBlock, p.O * width);
                MoveBlock(p, t, g, gradient, add: false);
            }
            if (weightGrads is not null)
            {
                var input = Buffer(ref t_cols, p.C * width);
                MoveInputs(p, t, input, inputs!, add: false);
                Gemm.Multiply(false, true, p.O, p.C, width, 1f, g, 0, width, input, 0, width, 0f, weightGrads, t.Tap * p.O * p.C, p.C);
            }
            if (inputGradsT is not null)
            {
                var inputGrads = Buffer(ref t_tapInputGrads, p.C * width);
                MultiplyTap(p.C, width, p.O, weights, t.Tap, g, 0f, inputGrads, width);
                MoveInputs(p, t, inputGrads, inputGradsT, add: true);
            }
        }
        if (dw is not null) JoinWeights(p, weightGrads!, dw);
        if (dx is not null)
            WorkerPool.ForRanges(p.C, (long)p.C * plane * p.N, (c0, c1) =>
            {
                for (int c = c0; c < c1; c++) AddTransposed(inputGradsT!.AsSpan(c * plane * p.N, plane * p.N), plane, p.N, dx, c * plane, p.C * plane);
            });
    }

    /// <summary>
    /// Zeroes the weight gradients of the taps that never read inside the image (they get no product); the others are
    /// written whole by theirs. Clearing all of them first cost a pass over 9.4 MB in each of ResNet-18's 512-channel layers.
    /// </summary>
    private static void ClearTapsOutside(TapBlock[] blocks, int taps, int perTap, float[] weightGrads)
    {
        for (int tap = 0; tap < taps; tap++)
            if (!blocks.Any(b => b.Tap == tap)) weightGrads.AsSpan(tap * perTap, perTap).Clear();
    }

    /// <summary>Each tap's weights packed once as the left operand of its products: W_t (O × C), or W_tᵀ (C × O) for dX.</summary>
    private readonly record struct TapWeights(float[] Storage, int Length, int RowsRounded);

    /// <summary>
    /// Packs op(W_t) for every tap straight from w (O, C, kh, kw) into the layout <see cref="PackedLeft"/> holds (KC
    /// slices of MR-row panels, one block per tap), reading each MR × 8 group of rows and taps once and transposing it
    /// in registers: the taps are w's innermost axis, MR consecutive rows of a panel step are 8 taps' worth of a row
    /// transposed. (Splitting w into per-tap matrices first and letting each product pack its own cost a sixth of the
    /// 512-channel layer's time, and the product's packing as much again.)
    /// </summary>
    private static unsafe TapWeights PackTapWeights(Problem p, float[] w, int wOffset, bool transpose)
    {
        const int S = Transpose8x8.Size;
        var kernel = Gemm.Kernel;
        int taps = p.Geometry.KernelH * p.Geometry.KernelW, c = p.C, mr = kernel.MR;
        var (m, k) = transpose ? (p.C, p.O) : (p.O, p.C);
        int length = PackedLeft.Length(kernel, m, k), rowsRounded = length / k;
        var storage = Buffer(ref t_tapWeights, taps * length);
        // op(W_t)[i, kk] = w[(o·C + c)·taps + t] with (o, c) = (i, kk), or (kk, i) transposed; rows i a panel step apart.
        long rowStride = transpose ? taps : (long)c * taps, depthStride = transpose ? (long)c * taps : taps;
        bool blocks = mr == S && Transpose8x8.IsSupported;
        PackingPieces.Run(k, m, mr, (p0, kc, i0, i1) =>
        {
            fixed (float* pw = w, packed = storage)
                for (int r0 = i0; r0 < i1; r0 += mr)
                {
                    int rows = Math.Min(mr, m - r0);
                    float* panel = packed + (long)p0 * rowsRounded + (long)r0 * kc;
                    for (int kk = p0; kk < p0 + kc; kk++)
                    {
                        float* source = pw + wOffset + r0 * rowStride + kk * depthStride, step = panel + (long)(kk - p0) * mr;
                        int t = 0;
                        if (blocks && rows == S)
                            for (; t + S <= taps; t += S) Transpose8x8.Block(source + t, rowStride, step + (long)t * length, length);
                        for (; t < taps; t++)
                            for (int i = 0; i < mr; i++) step[(long)t * length + i] = i < rows ? source[i * rowStride + t] : 0f;
                    }
                }
        });
        return new TapWeights(storage, length, rowsRounded);
    }

    /// <summary>C (m × n, <paramref name="ldc"/> apart) = beta·C + op(W_t) · B (k × n, row-major): B packed once, each thread a block of rows.</summary>
    private static unsafe void MultiplyTap(int m, int n, int k, TapWeights weights, int tap, float[] b, float beta, float[] c, int ldc)
    {
        var right = new PackedRight(Gemm.Kernel, false, b, 0, n, k, n, Buffer(ref t_wholePacked, PackedRight.Length(Gemm.Kernel, k, n)), 0);
        ByRows(m, (m0, m1) =>
        {
            fixed (float* pw = weights.Storage, pb = right.Storage, pc = c)
                Gemm.Blocked(Gemm.Kernel, m1 - m0, n, k, 1f, new TapOperand(pw + (long)tap * weights.Length, weights.RowsRounded, m0), right.Pin(pb), beta, pc + (long)m0 * ldc, ldc);
        });
    }

    /// <summary>One tap's packed weights from row <paramref name="rowOffset"/> on (a multiple of MR), as <see cref="Gemm.Blocked"/> reads them.</summary>
    private readonly unsafe struct TapOperand(float* packed, int rowsRounded, int rowOffset) : ILeftOperand
    {
        public float* Block(int ic, int mc, int p0, int kc, int mr, float* scratch) => packed + (long)p0 * rowsRounded + (long)(rowOffset + ic) * kc;
    }

    /// <summary>[tap][o][c] → dw (O, C, kh, kw), in 8×8 blocks in registers where whole.</summary>
    private static unsafe void JoinWeights(Problem p, float[] split, float[] dw)
    {
        const int S = Transpose8x8.Size;
        int taps = p.Geometry.KernelH * p.Geometry.KernelW, o = p.O, c = p.C;
        int blockC = Transpose8x8.IsSupported ? c / S * S : 0, blockT = taps / S * S;
        long tapStride = (long)o * c;
        WorkerPool.ForRanges(o, (long)o * c * taps, (o0, o1) =>
        {
            fixed (float* pw = dw, ps = split)
                for (int oi = o0; oi < o1; oi++)
                {
                    float* weights = pw + (long)oi * c * taps, rows = ps + (long)oi * c;   // (C, taps); tap t's row at rows + t·O·C
                    for (int c0 = 0; c0 < blockC; c0 += S)
                        for (int t0 = 0; t0 < blockT; t0 += S)
                            Transpose8x8.Block(rows + t0 * tapStride + c0, tapStride, weights + (long)c0 * taps + t0, taps);
                    for (int ci = 0; ci < c; ci++)
                        for (int t = ci < blockC ? blockT : 0; t < taps; t++) weights[(long)ci * taps + t] = rows[t * tapStride + ci];
                }
        });
    }

    /// <summary>x (N, C, H·W) → (C, H·W, N).</summary>
    private static float[] SamplesInnermost(Problem p, float[] x, int xOffset)
    {
        int plane = p.H * p.W, length = p.C * plane * p.N;
        var inputs = Buffer(ref t_tapInputsT, length);
        WorkerPool.ForRanges(p.C, length, (c0, c1) =>
        {
            for (int c = c0; c < c1; c++) Interleave(x, xOffset + c * plane, p.C * plane, p.N, plane, inputs.AsSpan(c * plane * p.N, plane * p.N));
        });
        return inputs;
    }

    /// <summary>
    /// Between a tap's block (C, |V_t|·N) and the (C, H·W, N) layout at the inputs tap <paramref name="t"/> reads: X_t
    /// gathered from the inputs, or (<paramref name="add"/>) dX_t added back onto the input gradients, its adjoint.
    /// </summary>
    private static void MoveInputs(Problem p, TapBlock t, float[] block, float[] full, bool add)
    {
        int n = p.N, plane = p.H * p.W, width = n * t.Count;
        var runs = InputRuns(p, t);
        WorkerPool.ForRanges(p.C, (long)p.C * width, (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
                foreach (var (at, to, length) in runs)
                {
                    var inFull = full.AsSpan(c * plane * n + at, length);
                    var inBlock = block.AsSpan(c * width + to, length);
                    if (add) System.Numerics.Tensors.TensorPrimitives.Add(inFull, inBlock, inFull);
                    else inFull.CopyTo(inBlock);
                }
        });
    }

    /// <summary>
    /// The runs a tap reads in one channel of (H·W, N): (offset there, offset in the tap's block, length): a block row's
    /// Cols·N floats at stride 1, else N floats a position.
    /// </summary>
    private static (int At, int To, int Length)[] InputRuns(Problem p, TapBlock t)
    {
        var g = p.Geometry;
        int n = p.N, to = 0;
        var runs = new List<(int, int, int)>();
        for (int r = t.Row0; r < t.Row1; r++)
        {
            int row = r * g.StrideH - g.PadH + t.Ki, col0 = t.Col0 * g.StrideW - g.PadW + t.Kj;
            if (g.StrideW == 1)
            {
                runs.Add((((row * p.W) + col0) * n, to, t.Cols * n));
                to += t.Cols * n;
                continue;
            }
            for (int col = 0; col < t.Cols; col++, to += n) runs.Add((((row * p.W) + col0 + col * g.StrideW) * n, to, n));
        }
        return [.. runs];
    }

    /// <summary>A tap's block (O, |V_t|·N) to or from the (O, pixels·N) layout: block rows are runs of Cols·N floats.</summary>
    private static void MoveBlock(Problem p, TapBlock t, float[] block, float[] full, bool add)
    {
        int n = p.N, columns = n * p.Pixels, width = n * t.Count, run = t.Cols * n;
        WorkerPool.ForRanges(p.O, (long)p.O * width, (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
                for (int r = 0; r < t.Rows; r++)
                {
                    var inBlock = block.AsSpan(o * width + r * run, run);
                    var inFull = full.AsSpan(o * columns + ((t.Row0 + r) * p.OutW + t.Col0) * n, run);
                    if (add) System.Numerics.Tensors.TensorPrimitives.Add(inFull, inBlock, inFull);
                    else inFull.CopyTo(inBlock);
                }
        });
    }

    /// <summary>destination[s·rows + i] = source[(from + s·stride) + i] → (i, s) order: rows × count from count planes <paramref name="stride"/> apart.</summary>
    private static void Interleave(float[] source, int from, int stride, int count, int rows, Span<float> destination)
    {
        for (int s = 0; s < count; s++)
        {
            var plane = source.AsSpan(from + s * stride, rows);
            for (int i = 0; i < rows; i++) destination[i * count + s] = plane[i];
        }
    }

    /// <summary>(rows, count) → count planes of rows values, <paramref name="stride"/> apart from <paramref name="at"/>, plus <paramref name="add"/>.</summary>
    private static void Transpose(ReadOnlySpan<float> source, int rows, int count, float[] destination, int at, int stride, float add)
    {
        for (int s = 0; s < count; s++)
        {
            var plane = destination.AsSpan(at + s * stride, rows);
            for (int i = 0; i < rows; i++) plane[i] = source[i * count + s] + add;
        }
    }

    /// <summary>The adjoint of <see cref="Interleave"/>, added: planes += the (rows, count) source.</summary>
    private static void AddTransposed(ReadOnlySpan<float> source, int rows, int count, float[] destination, int at, int stride)
    {
        for (int s = 0; s < count; s++)
        {
            var plane = destination.AsSpan(at + s * stride, rows);
            for (int i = 0; i < rows; i++) plane[i] += source[i * count + s];
        }
    }
}
