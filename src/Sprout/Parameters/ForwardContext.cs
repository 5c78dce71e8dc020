namespace Sprout.Nn;

/// <summary>
/// What a forward pass carries on its thread: the path of the block running (<c>1.0</c>), the journal that can undo
/// the pass's parameter changes, whether only shapes are computed, and the trace that summaries and the ONNX
/// exporter read. One object per thread, so nested forwards (a container running its children) share it.
/// </summary>
internal sealed class ForwardContext
{
    [ThreadStatic] private static ForwardContext? t_current;

    /// <summary>This thread's context (made on first use).</summary>
    public static ForwardContext Current => t_current ??= new ForwardContext();

    /// <summary>Names from the block <c>Forward</c> was called on down to the one running.</summary>
    public List<string> Path { get; } = [];

    /// <summary>The blocks running, outermost first (a custom block's direct <c>child.Forward(x)</c> finds its name here).</summary>
    public List<object> Blocks { get; } = [];

    /// <summary>The journal of the outermost pass, while one runs.</summary>
    public ForwardJournal? Journal { get; set; }

    /// <summary>Greater than zero while passes only infer shapes (see <see cref="ShapeOnlyScope"/>).</summary>
    public int ShapeOnlyDepth { get; set; }

    /// <summary>The trace being recorded (by <c>Summary</c> or the ONNX exporter), if any.</summary>
    public ForwardTrace? Trace { get; set; }

    /// <summary>
    /// The handshake of a fused BatchNorm + ReLU (<see cref="Sequential"/>): set before a BatchNorm whose output goes
    /// only to a <see cref="Relu"/>. A BatchNorm whose training forward applies the ReLU itself clears it; still set
    /// afterwards, it was not taken up (prediction) and the container runs the Relu block.
    /// </summary>
    public bool ReluFollows { get; set; }

    /// <summary>The running block's path, relative to the block <c>Forward</c> was called on ("" for that block).</summary>
    public string PathText => Path.Count > 0 ? string.Join('.', Path) : "";
}
