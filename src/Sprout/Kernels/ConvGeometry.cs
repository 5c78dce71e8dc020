namespace Sprout.Kernels;

/// <summary>
/// The geometry of a 2-D convolution or pooling window over (N, C, H, W): kernel, stride, padding and dilation per
/// axis, and the output size Ho = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 (⌈…⌉ with ceil mode).
/// </summary>
internal readonly record struct ConvGeometry(int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW, int DilationH = 1, int DilationW = 1)
{
    public int OutH(int h, bool ceil = false) => Out(h, KernelH, StrideH, PadH, DilationH, ceil);
    public int OutW(int w, bool ceil = false) => Out(w, KernelW, StrideW, PadW, DilationW, ceil);

    private static int Out(int size, int k, int s, int p, int d, bool ceil)
    {
        int span = size + 2 * p - d * (k - 1) - 1;
        if (span < 0) return 0;
        int o = (ceil ? (span + s - 1) / s : span / s) + 1;
        // With ceil mode the last window must still start inside the (left-padded) input, as in PyTorch.
        if (ceil && (o - 1) * s >= size + p) o--;
        return o;
    }
}
