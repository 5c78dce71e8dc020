namespace Sprout.Nn;

/// <summary>
/// The base of every layer and network. A block declares parameters (unknown sizes as -1) and child blocks — with
/// <see cref="AddParameter"/>/<see cref="AddChild{T}"/>, or simply by keeping them in fields, properties or lists, which
/// are registered under their names on first use. Its public <c>Forward</c> runs the parameter lifecycle — infer the
/// shapes the inputs imply, fill deferred parameters, then compute — and its subclass supplies <c>ForwardCore</c> and
/// <c>InferShapes</c>. A block takes one tensor (<see cref="Forward(Tensor)"/>) or several
/// (<see cref="Forward(Tensor[])"/>: queries, keys, values, valid lengths; an input and a state) and may return several.
/// </summary>
public abstract partial class Block : IParameterOwner
{
    /// <summary>
    /// Runs the block on one input: infers the shapes it implies (checking them against what is known), fills parameters
    /// whose initialization was deferred, then computes. If anything throws, every parameter and buffer this call changed
    /// is put back as it was. A block with several outputs returns the first.
    /// </summary>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Run(null, [x])[0];
    }

    /// <summary>
    /// Runs the block on several inputs (null for an optional input left out, such as valid lengths or an initial
    /// state) and returns all its outputs; deferred parameters may be inferred from any input. Same lifecycle as
    /// <see cref="Forward(Tensor)"/>. Blocks with several inputs usually offer a typed overload that calls this.
    /// </summary>
    public Tensor[] Forward(params Tensor?[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length == 0 || inputs[0] is null)
            throw new ArgumentException($"{GetType().Name}.Forward needs at least its first input; got {(inputs.Length == 0 ? "none" : "null")}.", nameof(inputs));
        return Run(null, inputs);
    }

    /// <summary>The computation on one input, composed of tensor ops (backward comes from them). Read parameters with <c>Data()</c>.</summary>
    protected virtual Tensor ForwardCore(Tensor x) => throw new NotSupportedException(
        $"{GetType().Name} at '{CurrentPathOrRoot}' does not take a single input: call its Forward with all its inputs, or override ForwardCore(Tensor).");

    /// <summary>The computation on several inputs, returning every output; by default the one-input <see cref="ForwardCore(Tensor)"/>.</summary>
    protected virtual Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs)
    {
        if (inputs.Count != 1 || inputs[0] is null)
            throw new ArgumentException($"{GetType().Name} at '{CurrentPathOrRoot}' takes one input; got {inputs.Count}. Override ForwardCore(IReadOnlyList<Tensor?>) to take several.", nameof(inputs));
        return [ForwardCore(inputs[0]!)];
    }

    /// <summary>Refines the shapes of this block's parameters from the input (see <see cref="RefineShape"/>). Called on every forward.</summary>
    protected virtual void InferShapes(Tensor x) { }

    /// <summary>Refines the shapes of this block's parameters from any of its inputs; by default from the first.</summary>
    protected virtual void InferShapes(IReadOnlyList<Tensor?> inputs)
    {
        if (inputs[0] is { } x) InferShapes(x);
    }

    /// <summary>Runs a child block under an explicit name, so that paths in errors and summaries name it (<c>1.0</c>).</summary>
    protected Tensor ForwardChild(string name, Block child, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(child);
        ArgumentNullException.ThrowIfNull(x);
        return child.Run(name, [x])[0];
    }

    /// <summary>When set (benchmarks), receives every block's forward time (children's included) and its outputs.</summary>
    internal static Action<Block, Tensor[], TimeSpan>? ForwardProfiler { get; set; }

    /// <summary>
    /// The lifecycle around <c>ForwardCore</c>. The block is named in the running path by <paramref name="name"/>, or by
    /// its name among the children of the block that runs it (so a custom block may call <c>child.Forward(x)</c>).
    /// </summary>
    private Tensor[] Run(string? name, Tensor?[] inputs)
    {
        var context = ForwardContext.Current;
        name ??= (context.Blocks.Count > 0 ? (Block)context.Blocks[^1] : null)?.NameOfChild(this);
        if (name is not null) context.Path.Add(name);
        context.Blocks.Add(this);
        var journal = ForwardJournal.Begin();
        var intermediates = Autograd.IsRecording ? new List<Tensor>() : null;
        var outer = intermediates is null ? null : Autograd.SwapCollector(intermediates);
        try
        {
            EnsureRegistered();
            PrepareParameters(inputs);
            long started = ForwardProfiler is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
            var outputs = ForwardCore(inputs);
            ForwardProfiler?.Invoke(this, outputs, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            context.Trace?.Add(this, context.PathText, inputs, outputs);
            journal?.Commit();
            if (intermediates is not null) HandOver(intermediates, outputs, outer);
            return outputs;
        }
        catch
        {
            journal?.Rollback();
            throw;
        }
        finally
        {
            if (intermediates is not null) Autograd.SwapCollector(outer);
            context.Blocks.RemoveAt(context.Blocks.Count - 1);
            if (name is not null) context.Path.RemoveAt(context.Path.Count - 1);
        }
    }

    /// <summary>
    /// Whether the tensors this block's forward records — its own ops' results and its children's outputs — other than
    /// its outputs are released for reuse when <c>Backward()</c> frees the graph (a view of one that is kept keeps its
    /// storage). True for Sprout's own blocks, which keep no recorded intermediate where a caller could read it; false for
    /// blocks written outside the library, which may keep one in a field, and for <see cref="Lambda"/>. A
    /// <see cref="Sequential"/> decides with its public <see cref="Sequential.ReleasesIntermediates"/>.
    /// </summary>
    private protected virtual bool ReleasesOwnIntermediates => GetType().Assembly == typeof(Block).Assembly;

    /// <summary>Marks this forward's intermediates transient (when this block releases them) and hands its fresh outputs to the enclosing block.</summary>
    private void HandOver(List<Tensor> intermediates, Tensor[] outputs, List<Tensor>? outer)
    {
        bool IsOutput(Tensor t) => Array.Exists(outputs, o => ReferenceEquals(o, t));
        if (ReleasesOwnIntermediates)
        {
            var marked = intermediates.Where(t => !t.IsTransient && !t.IsMeta && !IsOutput(t)).ToList();
            foreach (var t in marked) t.MarkTransient(this, CurrentPathOrRoot, marked);   // released together (Tensor.Release.cs)
        }
        if (outer is not null)
            foreach (var o in outputs)
                if (intermediates.Exists(t => ReferenceEquals(t, o))) outer.Add(o);
    }

    /// <summary>The path of the block running on this thread, relative to the block <c>Forward</c> was called on.</summary>
    internal static string CurrentPath => ForwardContext.Current.PathText;

    /// <summary>The current path for messages: the path, or "(root)" for the block Forward was called on.</summary>
    protected static string CurrentPathOrRoot => CurrentPath is { Length: > 0 } p ? p : "(root)";

    /// <summary>
    /// Refines <paramref name="p"/> to <paramref name="proposed"/> as implied by <paramref name="input"/>, or throws a
    /// <see cref="ShapeMismatchException"/> naming this layer's path, the parameter, <paramref name="what"/> the
    /// dimension means, and both sizes.
    /// </summary>
    protected void RefineShape(Parameter p, Shape proposed, Tensor input, string what)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(input);
        p.Refine(proposed, (current, prop) => Mismatch(p, current, prop, input, what));
    }

    private ShapeMismatchException Mismatch(Parameter p, Shape current, Shape proposed, Tensor input, string what)
    {
        string layerPath = CurrentPath, paramPath = Join(layerPath, p.Name);
        int d = Enumerable.Range(0, Math.Min(current.Rank, proposed.Rank))
            .FirstOrDefault(i => current[i] != Shape.Unknown && proposed[i] != Shape.Unknown && current[i] != proposed[i]);
        string where = layerPath.Length == 0 ? $"{GetType().Name} (the block Forward was called on)" : $"{GetType().Name} at path '{layerPath}'";
        bool given = p.Slot.DeclaredShape[d] != Shape.Unknown;
        return new ShapeMismatchException(paramPath, current, proposed,
            $"{where} expects {current[d]} {what} but got {proposed[d]}, from an input of shape {input.Shape}. " +
            (given
                ? $"Its parameter '{paramPath}' has shape {current}, given when the layer was created. Feed inputs with {current[d]} {what}, or create the layer without that size so that it is inferred from the first input."
                : $"Its parameter '{paramPath}' has shape {current}, inferred from the first input this layer saw; a network keeps the sizes it inferred. " +
                  $"Feed inputs with {current[d]} {what}, or use another instance for inputs with {proposed[d]} (build a new one, or Clone() one that has not run yet)."));
    }

    private void PrepareParameters(Tensor?[] inputs)
    {
        if (_params.Count == 0) return;
        if (_params.Values.Any(ForwardJournal.IsUnsettled)) ForwardJournal.EnterLifecycle();
        bool shapeOnly = ShapeOnlyScope.IsActive;
        if (!shapeOnly)
            foreach (var (name, p) in _params)
                if (p.State == ParameterState.Declared) throw NotInitialized(name, p);
        InferShapes(inputs);
        if (shapeOnly) return;
        foreach (var p in _params.Values) p.MaterializeIfReady();
        foreach (var (name, p) in _params)
            if (!p.IsInitialized)
                throw new DeferredInitializationException(Join(CurrentPath, name), p.Shape,
                    $"{GetType().Name} '{CurrentPath}' could not infer the shape {p.Shape} of its parameter '{name}' from inputs of shape " +
                    $"{string.Join(", ", inputs.Select(t => t?.Shape.ToString() ?? "null"))}. Give the size when creating the layer, or set the parameter with SetData.");
    }

    private static UninitializedParameterException NotInitialized(string name, Parameter p)
    {
        string path = Join(CurrentPath, name);
        return new UninitializedParameterException(path, p.Shape,
            $"Parameter '{path}' (shape={p.Shape}) has not been initialized, so the forward pass cannot use it. " +
            "Call net.Initialize() (optionally with an initializer) before the first forward pass; sizes left unknown (-1) are then inferred from the first input.");
    }

    internal static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

    /// <summary>A one-line description of this block, as Gluon prints it (<c>Dense(None -> 256, Activation(relu))</c>).</summary>
    protected virtual string Describe() => $"{GetType().Name}()";

    /// <summary>The block, and its children indented beneath it, as Gluon prints a network.</summary>
    public override string ToString()
    {
        RegisterFieldsAgain();
        if (_children.Count == 0) return Describe();
        var sb = new System.Text.StringBuilder(GetType().Name).Append("(\n");
        foreach (var (name, child) in _children)
            sb.Append("  (").Append(name).Append("): ").Append(child.ToString().Replace("\n", "\n  ")).Append('\n');
        return sb.Append(')').ToString();
    }
}
