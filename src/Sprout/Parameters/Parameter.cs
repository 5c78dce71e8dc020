using System.Diagnostics;
using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// A learnable tensor with a lifecycle: Declared → (Initialize) → Deferred → (first forward) → Initialized.
/// Its <see cref="Shape"/> may hold unknown dimensions (-1) that are only ever refined, never overwritten.
/// The object is the same before and after it is filled, so a trainer, a clone or a type check made early keeps working.
/// </summary>
public sealed class Parameter
{
    private readonly Lock _gate = new();
    private Tensor? _data;
    private Initializer? _recordedInit;
    private ulong _seed;
    private string? _streamKey;
    private Tensor? _spareFill;
    private bool _filledByInitializer;   // a fill a failed forward took back, reused by the next fill of the same recipe

    public Parameter(string name, Shape shape, Initializer? initializer = null, ParameterRole? role = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Shape = shape;
        Initializer = initializer;
        Role = role ?? ParameterRoles.FromName(name);
    }

    /// <summary>The local name given by the layer (<c>weight</c>).</summary>
    public string Name { get; }

    /// <summary>The structural path in the network it was last collected from (<c>0.weight</c>), else <see cref="Name"/>.</summary>
    public string Path { get; internal set; } = "";

    public ParameterRole Role { get; }

    /// <summary>The shape; unknown dimensions are -1 until inferred.</summary>
    public Shape Shape { get; private set; }

    /// <summary>Declared, Deferred or Initialized. Written under the parameter's lock after the data is in place and
    /// read without it (volatile), so a thread that sees Initialized also sees the data.</summary>
    public ParameterState State
    {
        get => (ParameterState)Volatile.Read(ref _state);
        private set => Volatile.Write(ref _state, (int)value);
    }
    private int _state = (int)ParameterState.Declared;

    public bool IsInitialized => State == ParameterState.Initialized;

    /// <summary>The layer's own initializer; it wins over the one passed to <c>Initialize</c>.</summary>
    public Initializer? Initializer { get; }

    /// <summary>How backward treats this parameter's gradient (Write by default).</summary>
    public GradReq GradReq
    {
        get => _gradReq;
        set
        {
            _gradReq = value;
            if (_data is not null) _data.GradRequest = value;
        }
    }
    private GradReq _gradReq = GradReq.Write;

    private string DisplayName => Path.Length > 0 ? Path : Name;

    /// <summary>The data; throws <see cref="DeferredInitializationException"/> or <see cref="UninitializedParameterException"/> before it is filled.</summary>
    public Tensor Data()
    {
        if (State == ParameterState.Initialized) return _data!;
        if (ShapeOnlyScope.IsActive && Shape.IsKnown) return Tensor.Meta(Shape);
        throw NotReady("read the data of");
    }

    /// <summary>The gradient from the last backward pass; same rules as <see cref="Data"/>.</summary>
    public Tensor Grad() => State == ParameterState.Initialized ? _data!.Grad() : throw NotReady("read the gradient of");

    /// <summary>
    /// Sets the values. Before the shape is fully known, <paramref name="value"/> must agree with every known dimension;
    /// it then fixes the shape and fills the parameter (no initializer runs). After, the shapes must be equal.
    /// </summary>
    public void SetData(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.IsMeta) throw new ArgumentException($"SetData on parameter '{DisplayName}' needs real values; got a meta tensor of shape {value.Shape}.", nameof(value));
        ForwardJournal.EnterLifecycle();
        lock (_gate)
        {
            if (!Shape.IsCompatibleWith(value.Shape) || (IsInitialized && Shape != value.Shape))
                throw new ShapeMismatchException(DisplayName, Shape, value.Shape,
                    $"SetData on parameter '{DisplayName}': its shape is {Shape} but the new data has shape {value.Shape}. " +
                    "Every known dimension must match (unknown dimensions, -1, take the new size).");
            ForwardJournal.Note(this);
            Shape = value.Shape;
            var data = Allocate();
            value.AsSpan().CopyTo(data.AsSpan());
            Publish(data);
        }
    }

    /// <summary>
    /// Records <paramref name="init"/> and fills now if the shape is known, else defers. Honors <paramref name="forceReinit"/>.
    /// The random stream is keyed by <paramref name="streamKey"/> (the path, and which initialization this is).
    /// </summary>
    internal void Initialize(Initializer init, string path, string streamKey, bool forceReinit)
    {
        lock (_gate)
        {
            Path = path;
            if (IsInitialized && !forceReinit)
            {
                Trace.TraceWarning($"Parameter '{path}' is already initialized; Initialize() leaves it as it is. Pass forceReinit: true to refill it.");
                return;
            }
            _recordedInit = Initializer ?? init;
            _seed = Rng.CurrentSeed;
            _streamKey = streamKey;
            _spareFill = null;
            if (Shape.IsKnown) Fill();
            else State = ParameterState.Deferred;
        }
    }

    /// <summary>
    /// Refines unknown dimensions from <paramref name="proposed"/> (-1 there means "no opinion"); known ones must agree.
    /// <paramref name="describe"/> explains, for the error message, where the proposal came from.
    /// </summary>
    internal void Refine(Shape proposed, Func<Shape, Shape, ShapeMismatchException> describe)
    {
        var current = Shape;
        if (current.Rank != proposed.Rank || !current.IsCompatibleWith(proposed)) throw describe(current, proposed);
        if (current.IsKnown) return;
        ForwardJournal.EnterLifecycle();
        lock (_gate)
        {
            if (!Shape.IsCompatibleWith(proposed)) throw describe(Shape, proposed);
            var dims = Shape.ToArray();
            for (int i = 0; i < dims.Length; i++) if (dims[i] == Sprout.Shape.Unknown) dims[i] = proposed[i];
            var refined = new Shape(dims);
            if (refined == Shape) return;
            ForwardJournal.Note(this);
            Shape = refined;
        }
    }

    /// <summary>Fills a deferred parameter whose shape has become known; exactly once, whichever thread gets here first.</summary>
    internal void MaterializeIfReady()
    {
        if (State != ParameterState.Deferred) return;
        ForwardJournal.EnterLifecycle();
        lock (_gate)
        {
            if (State != ParameterState.Deferred || !Shape.IsKnown) return;
            ForwardJournal.Note(this);
            Fill();
        }
    }

    internal Exception NotReady(string action) => State switch
    {
        ParameterState.Deferred => new DeferredInitializationException(DisplayName, Shape,
            $"Cannot {action} of parameter '{DisplayName}' (shape={Shape}): its initialization is deferred because a dimension is still unknown (-1). " +
            "Run a forward pass (net.Forward(x)) so the input fixes the shape, or net.Build(new Shape(...)) for a shape-only dry run, " +
            "or give the input size when creating the layer (e.g. inUnits:)."),
        _ => new UninitializedParameterException(DisplayName, Shape,
            $"Cannot {action} of parameter '{DisplayName}' (shape={Shape}): it has not been initialized. " +
            "Call net.Initialize() first" + (Shape.IsKnown ? "." : ", then run a forward pass (or net.Build(shape)) to infer its unknown dimensions (-1).")),
    };

    private void Fill()
    {
        if (_spareFill is { } spare && spare.Shape == Shape)
        {
            _spareFill = null;
            Publish(spare, byInitializer: true);
            return;
        }
        var data = Allocate();
        var (fanIn, fanOut) = ParameterInfo.Fans(Shape);
        var info = new ParameterInfo(DisplayName, Role, Shape, fanIn, fanOut, Rng.Stream(_seed, _streamKey ?? DisplayName));
        (_recordedInit ?? Initializer ?? Init.Initializer.Default).Apply(info, data);
        Publish(data, byInitializer: true);
    }

    /// <summary>The existing buffer when the shape is unchanged (so refills keep tensor identity), else a new one.</summary>
    private Tensor Allocate() => _data is { } d && d.Shape == Shape ? d : new Tensor(Shape);

    private void Publish(Tensor data, bool byInitializer = false)
    {
        _filledByInitializer = byInitializer;
        data.AttachGrad(_gradReq);
        _data = data;
        State = ParameterState.Initialized;
    }

    internal Parameter Clone()
    {
        lock (_gate)
        {
            var copy = new Parameter(Name, Shape, Initializer, Role)
            {
                Path = Path, _recordedInit = _recordedInit, _seed = _seed, _streamKey = _streamKey, _gradReq = _gradReq,
            };
            if (_data is not null) copy.Publish(_data.Clone(), _filledByInitializer);
            copy.State = State;   // Publish marks it Initialized; a Deferred or Declared original stays so
            return copy;
        }
    }

    /// <summary>The pass whose lifecycle change to this parameter is not yet committed (see <see cref="ForwardJournal"/>).</summary>
    internal ForwardJournal? ProvisionalOwner
    {
        get => Volatile.Read(ref _provisionalOwner);
        set => Volatile.Write(ref _provisionalOwner, value);
    }
    private ForwardJournal? _provisionalOwner;

    /// <summary>The state, and with <paramref name="withValues"/> a copy of the values (for in-place updates).</summary>
    internal Snapshot Capture(bool withValues) => new(Shape, State, _data, withValues && _data is not null ? _data.ToArray() : null);

    /// <summary>
    /// Puts the parameter back as it was. A fill being taken back (the recorded initializer's own output, not data set
    /// with SetData) is kept, so that filling the same shape again does not run the initializer a second time.
    /// </summary>
    internal void Restore(Snapshot s)
    {
        lock (_gate)
        {
            if (s.Values is not null && s.Data is not null) s.Values.CopyTo(s.Data.AsSpan());
            if (State == ParameterState.Initialized && s.State != ParameterState.Initialized && _filledByInitializer) _spareFill = _data;
            (Shape, State, _data) = (s.Shape, s.State, s.Data);
        }
    }

    internal readonly record struct Snapshot(Shape Shape, ParameterState State, Tensor? Data, float[]? Values);

    /// <summary>As the seed prints it: <c>Parameter 0.weight (shape=(256, -1), dtype=float32)</c>.</summary>
    public override string ToString() => $"Parameter {DisplayName} (shape={Shape}, dtype=float32)";
}
