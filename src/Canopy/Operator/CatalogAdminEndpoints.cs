using System.Diagnostics;
using System.Globalization;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Fulfilment;
using Canopy.Kernel;
using Canopy.Platform;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Canopy.Audit;

namespace Canopy.Operator;

public sealed record CreateCategoryRequest(string? Id, string? Name, string? Description, string? ImageUrl) : IExampleRequest<CreateCategoryRequest>
{
    public static CreateCategoryRequest Example => new(null, "Durable carbon removal", "Removals stored for centuries or longer.", null);
}

public sealed record CategoryResponse(string Id, string Name, string? Description, string? ImageUrl);

/// <summary>The fields a project create and a project update share (and validate the same way).</summary>
public interface IProjectFields
{
    long? CostPerTonUsdCents { get; }
    long? CostPerTreeUsdCents { get; }
    string? CategoryId { get; }
    string? CertificationStatus { get; }
    string? Type { get; }
    string? Developer { get; }
    string? RegistryName { get; }
    string? RegistryId { get; }
    string? RegistryUrl { get; }
    string? Summary { get; }
    string? Description { get; }
    string? LocationName { get; }
    double? LocationLatitude { get; }
    double? LocationLongitude { get; }
    int[]? UnSdgGoals { get; }
    string? ImageUrl { get; }
    string[]? ActivityTypes { get; }
    string? ImpactType { get; }
    string? Methodology { get; }
    string? Verifier { get; }
    string? Permanence { get; }
    LifetimeRequest? Lifetime { get; }
    string? DueDiligence { get; }
    string? BeyondCarbon { get; }
    string? RiskOfReversal { get; }
    string[]? ThirdPartyLabels { get; }
    List<NotableBuyerRequest>? NotableBuyers { get; }
    FigureRequest? DueDiligenceFigure { get; }
    List<NewsArticleRequest>? NewsArticles { get; }
}

public sealed record LifetimeRequest(int? StartYear, int? EndYear);

public sealed record NotableBuyerRequest(string? Name, string? LogoUrl, string? LogoAltText);

public sealed record FigureRequest(string? Description, string? ImageUrl, string? ImageAltText);

public sealed record NewsArticleRequest(string? Title, string? Url, string? Author, DateTime? PublishedOn, string? Take);

public sealed record LifetimeResponse(int? StartYear, int? EndYear);

public sealed record CreateProjectRequest(
    string? Id, string? Name, ProjectKind? Kind, long? CostPerTonUsdCents, long? CostPerTreeUsdCents, bool? Certified,
    string? CertificationStatus, string? CategoryId, string? Type, string? Developer, string? RegistryName, string? RegistryId,
    string? RegistryUrl, string? Summary, string? Description, string? LocationName, double? LocationLatitude, double? LocationLongitude,
    int[]? UnSdgGoals, string? ImageUrl, bool? Active,
    string[]? ActivityTypes = null, string? ImpactType = null, string? Methodology = null, string? Verifier = null, string? Permanence = null,
    LifetimeRequest? Lifetime = null, string? DueDiligence = null, string? BeyondCarbon = null, string? RiskOfReversal = null,
    string[]? ThirdPartyLabels = null, List<NotableBuyerRequest>? NotableBuyers = null, FigureRequest? DueDiligenceFigure = null,
    List<NewsArticleRequest>? NewsArticles = null) : IProjectFields, IExampleRequest<CreateProjectRequest>
{
    public static CreateProjectRequest Example => new(null, "Biochar from crop waste", ProjectKind.Offset, 15_000, null, true, "Puro.earth", null,
        "Biochar", "Carbon Farm Co", "Puro.earth", null, null, "Crop residues turned into biochar.", null, "Kenya", -0.02, 37.9, [13, 15], null, true,
        ActivityTypes: ["Biochar"], ImpactType: "Removal", Methodology: "Puro Standard Biochar Methodology", Permanence: "100+ years",
        Lifetime: new LifetimeRequest(2023, 2033));
}

/// <summary>Fields given are changed; kind and ids never change.</summary>
public sealed record UpdateProjectRequest(
    string? Name, long? CostPerTonUsdCents, long? CostPerTreeUsdCents, bool? Certified, string? CertificationStatus, string? CategoryId,
    string? Type, string? Developer, string? RegistryName, string? RegistryId, string? RegistryUrl, string? Summary, string? Description,
    string? LocationName, double? LocationLatitude, double? LocationLongitude, int[]? UnSdgGoals, string? ImageUrl, bool? Active,
    string[]? ActivityTypes = null, string? ImpactType = null, string? Methodology = null, string? Verifier = null, string? Permanence = null,
    LifetimeRequest? Lifetime = null, string? DueDiligence = null, string? BeyondCarbon = null, string? RiskOfReversal = null,
    string[]? ThirdPartyLabels = null, List<NotableBuyerRequest>? NotableBuyers = null, FigureRequest? DueDiligenceFigure = null,
    List<NewsArticleRequest>? NewsArticles = null) : IProjectFields;

public sealed record ProjectResponse(
    string Id, long WrenId, string Name, ProjectKind Kind, long? CostPerTonUsdCents, long? CostPerTreeUsdCents, bool Certified,
    string? CertificationStatus, string? CategoryId, string? Type, string? Developer, string? RegistryName, string? RegistryId,
    string? RegistryUrl, string? Summary, string? Description, string? LocationName, double? LocationLatitude, double? LocationLongitude,
    IReadOnlyList<int> UnSdgGoals, string? ImageUrl, bool Active,
    IReadOnlyList<string> ActivityTypes, string? ImpactType, string? Methodology, string? Verifier, string? Permanence, LifetimeResponse? Lifetime,
    string? DueDiligence, string? BeyondCarbon, string? RiskOfReversal, IReadOnlyList<string> ThirdPartyLabels,
    IReadOnlyList<ProjectNotableBuyer> NotableBuyers, ProjectFigure? DueDiligenceFigure, IReadOnlyList<ProjectNewsArticle> NewsArticles);

public sealed record AllocationRequest(string? ProjectId, decimal? Fraction);

public sealed record CreatePortfolioRequest(string? Id, string? Name, string? Summary, string? Description, string? ImageUrl,
    List<AllocationRequest>? Allocations, bool? IsDefault);

public sealed record UpdatePortfolioRequest(string? Name, string? Summary, string? Description, string? ImageUrl, bool? IsDefault, bool? Active);

public sealed record AllocationResponse(string ProjectId, decimal Fraction);

public sealed record PortfolioResponse(string Id, long WrenId, string Name, string? Summary, string? Description, string? ImageUrl,
    bool IsDefault, bool Active, IReadOnlyList<AllocationResponse> Allocations);

public sealed record CreateInventoryRequest(string? ProjectId, int? Vintage, decimal? AmountKg, string? RegistryName, string? SerialPrefix,
    string? RegistryUrl) : IExampleRequest<CreateInventoryRequest>
{
    public static CreateInventoryRequest Example => new("I0UbDH", 2024, 5_000_000, "Puro.earth", "PURO-2024-", null);
}

public sealed record InventoryResponse(long Id, string ProjectId, int Vintage, string? RegistryName, string? SerialPrefix, string? RegistryUrl,
    decimal IssuedKg, decimal AvailableKg, long GramsIssued, long GramsAvailable, long GramsRetired, DateTime CreatedAt);

internal sealed class CreateCategoryValidator : AbstractValidator<CreateCategoryRequest>
{
    public CreateCategoryValidator()
    {
        RuleFor(x => x.Id).Cascade(CascadeMode.Stop).Matches(CatalogRules.IdPattern).WithMessage(CatalogRules.IdMessage).Must(id => CatalogRules.IsId(id!))
            .WithMessage(CatalogRules.IdMessage).When(x => x.Id is not null);
        RuleFor(x => x.Name).NotEmpty().MaximumLength(200);
        RuleFor(x => x.Description).MaximumLength(4000);
        RuleFor(x => x.ImageUrl).MaximumLength(2048).HttpUrl().WithMessage("'image_url' must be an http(s) URL.");
    }
}

internal static class ProjectFieldRules
{
    public static void Add<T>(AbstractValidator<T> v) where T : IProjectFields
    {
        v.RuleFor(x => x.CostPerTonUsdCents).GreaterThan(0).LessThanOrEqualTo(CatalogRules.MaxCentsPerUnit);
        v.RuleFor(x => x.CostPerTreeUsdCents).GreaterThan(0).LessThanOrEqualTo(CatalogRules.MaxCentsPerUnit);
        v.RuleFor(x => x.CategoryId).MaximumLength(64);
        v.RuleFor(x => x.CertificationStatus).MaximumLength(200);
        v.RuleFor(x => x.Type).MaximumLength(100);
        v.RuleFor(x => x.Developer).MaximumLength(200);
        v.RuleFor(x => x.RegistryName).MaximumLength(200);
        v.RuleFor(x => x.RegistryId).MaximumLength(200);
        v.RuleFor(x => x.RegistryUrl).MaximumLength(2048).HttpUrl().WithMessage("'registry_url' must be an http(s) URL.");
        v.RuleFor(x => x.ImageUrl).MaximumLength(2048).HttpUrl().WithMessage("'image_url' must be an http(s) URL.");
        v.RuleFor(x => x.Summary).MaximumLength(1000);
        v.RuleFor(x => x.Description).MaximumLength(10000);
        v.RuleFor(x => x.LocationName).MaximumLength(200);
        v.RuleFor(x => x.LocationLatitude).InclusiveBetween(-90, 90);
        v.RuleFor(x => x.LocationLongitude).InclusiveBetween(-180, 180);
        v.RuleForEach(x => x.UnSdgGoals).InclusiveBetween(1, 17);
        v.RuleFor(x => x.ActivityTypes).Must(a => a!.Length <= 20).WithMessage("At most 20 activity types.").When(x => x.ActivityTypes is not null);
        v.RuleForEach(x => x.ActivityTypes).NotEmpty().MaximumLength(100);
        v.RuleFor(x => x.ImpactType).MaximumLength(100);
        v.RuleFor(x => x.Methodology).MaximumLength(200);
        v.RuleFor(x => x.Verifier).MaximumLength(200);
        v.RuleFor(x => x.Permanence).MaximumLength(200);
        v.RuleFor(x => x.Lifetime!.StartYear).InclusiveBetween(1900, 2200).OverridePropertyName("lifetime.start_year").When(x => x.Lifetime is not null);
        v.RuleFor(x => x.Lifetime!.EndYear).InclusiveBetween(1900, 2200).OverridePropertyName("lifetime.end_year").When(x => x.Lifetime is not null);
        v.RuleFor(x => x.Lifetime).Must(l => l!.StartYear is null || l.EndYear is null || l.StartYear <= l.EndYear)
            .WithMessage("'lifetime.end_year' must not be before 'lifetime.start_year'.").When(x => x.Lifetime is not null);
        v.RuleFor(x => x.DueDiligence).MaximumLength(10000);
        v.RuleFor(x => x.BeyondCarbon).MaximumLength(10000);
        v.RuleFor(x => x.RiskOfReversal).MaximumLength(10000);
        v.RuleFor(x => x.ThirdPartyLabels).Must(a => a!.Length <= 20).WithMessage("At most 20 labels.").When(x => x.ThirdPartyLabels is not null);
        v.RuleForEach(x => x.ThirdPartyLabels).NotEmpty().MaximumLength(200);
        v.RuleFor(x => x.NotableBuyers).Must(a => a!.Count <= 50).WithMessage("At most 50 notable buyers.").When(x => x.NotableBuyers is not null);
        v.RuleForEach(x => x.NotableBuyers).NotNull().SetValidator(new NotableBuyerValidator());
        v.RuleFor(x => x.DueDiligenceFigure!).SetValidator(new FigureValidator()).When(x => x.DueDiligenceFigure is not null);
        v.RuleFor(x => x.NewsArticles).Must(a => a!.Count <= 50).WithMessage("At most 50 news articles.").When(x => x.NewsArticles is not null);
        v.RuleForEach(x => x.NewsArticles).NotNull().SetValidator(new NewsArticleValidator());
    }

    /// <summary>The wire's project fields as the catalogue's (the validator has checked what must be present).</summary>
    public static ProjectFields ToFields(IProjectFields r, string? name, bool? certified, bool? active) => new()
    {
        Name = name, CostPerTonUsdCents = r.CostPerTonUsdCents, CostPerTreeUsdCents = r.CostPerTreeUsdCents, Certified = certified,
        CertificationStatus = r.CertificationStatus, CategoryId = r.CategoryId, Type = r.Type, Developer = r.Developer,
        RegistryName = r.RegistryName, RegistryId = r.RegistryId, RegistryUrl = r.RegistryUrl, Summary = r.Summary, Description = r.Description,
        LocationName = r.LocationName, LocationLatitude = r.LocationLatitude, LocationLongitude = r.LocationLongitude, UnSdgGoals = r.UnSdgGoals,
        ImageUrl = r.ImageUrl, Active = active, ActivityTypes = r.ActivityTypes, ImpactType = r.ImpactType, Methodology = r.Methodology,
        Verifier = r.Verifier, Permanence = r.Permanence,
        Lifetime = r.Lifetime is { } l ? new ProjectLifetime(l.StartYear, l.EndYear) : null,
        DueDiligence = r.DueDiligence, BeyondCarbon = r.BeyondCarbon, RiskOfReversal = r.RiskOfReversal, ThirdPartyLabels = r.ThirdPartyLabels,
        NotableBuyers = r.NotableBuyers?.Select(b => new ProjectNotableBuyer(b.Name!, b.LogoUrl!, b.LogoAltText)).ToList(),
        DueDiligenceFigure = r.DueDiligenceFigure is { } f ? new ProjectFigure(f.Description!, f.ImageUrl!, f.ImageAltText) : null,
        NewsArticles = r.NewsArticles?.Select(a => new ProjectNewsArticle(a.Title!, a.Url!, a.Author!, a.PublishedOn!.Value, a.Take)).ToList(),
    };
}

internal sealed class NotableBuyerValidator : AbstractValidator<NotableBuyerRequest>
{
    public NotableBuyerValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(200);
        RuleFor(x => x.LogoUrl).NotEmpty().MaximumLength(2048).HttpUrl().WithMessage("'logo_url' must be an http(s) URL.");
        RuleFor(x => x.LogoAltText).MaximumLength(500);
    }
}

internal sealed class FigureValidator : AbstractValidator<FigureRequest>
{
    public FigureValidator()
    {
        RuleFor(x => x.Description).NotEmpty().MaximumLength(4000);
        RuleFor(x => x.ImageUrl).NotEmpty().MaximumLength(2048).HttpUrl().WithMessage("'image_url' must be an http(s) URL.");
        RuleFor(x => x.ImageAltText).MaximumLength(500);
    }
}

internal sealed class NewsArticleValidator : AbstractValidator<NewsArticleRequest>
{
    public NewsArticleValidator()
    {
        RuleFor(x => x.Title).NotEmpty().MaximumLength(500);
        RuleFor(x => x.Url).NotEmpty().MaximumLength(2048).HttpUrl().WithMessage("'url' must be an http(s) URL.");
        RuleFor(x => x.Author).NotEmpty().MaximumLength(200);
        RuleFor(x => x.PublishedOn).NotNull();
        RuleFor(x => x.Take).MaximumLength(4000);
    }
}

internal sealed class CreateProjectValidator : AbstractValidator<CreateProjectRequest>
{
    public CreateProjectValidator()
    {
        RuleFor(x => x.Id).Cascade(CascadeMode.Stop).Matches(CatalogRules.IdPattern).WithMessage(CatalogRules.IdMessage).Must(id => CatalogRules.IsId(id!))
            .WithMessage(CatalogRules.IdMessage).When(x => x.Id is not null);
        RuleFor(x => x.Name).NotEmpty().MaximumLength(200);
        RuleFor(x => x.Kind).NotNull().IsInEnum();
        RuleFor(x => x.CostPerTonUsdCents).NotNull().WithMessage(CatalogRules.TonRequired)
            .When(x => x.Kind is ProjectKind.Offset or ProjectKind.Donation);
        RuleFor(x => x.CostPerTonUsdCents).Null().WithMessage(CatalogRules.TreeNotPerTon)
            .When(x => x.Kind is ProjectKind.Tree);
        RuleFor(x => x.CostPerTreeUsdCents).NotNull().WithMessage(CatalogRules.TreeRequired)
            .When(x => x.Kind is ProjectKind.Tree);
        RuleFor(x => x.CostPerTreeUsdCents).Null().WithMessage(CatalogRules.OnlyTreesPerTree)
            .When(x => x.Kind is ProjectKind.Offset or ProjectKind.Donation);
        ProjectFieldRules.Add(this);
    }
}

internal sealed class UpdateProjectValidator : AbstractValidator<UpdateProjectRequest>
{
    public UpdateProjectValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(200).When(x => x.Name is not null);
        ProjectFieldRules.Add(this);
    }
}

internal sealed class CreatePortfolioValidator : AbstractValidator<CreatePortfolioRequest>
{
    public CreatePortfolioValidator()
    {
        RuleFor(x => x.Id).Cascade(CascadeMode.Stop).Matches(CatalogRules.IdPattern).WithMessage(CatalogRules.IdMessage).Must(id => CatalogRules.IsId(id!))
            .WithMessage(CatalogRules.IdMessage).When(x => x.Id is not null);
        RuleFor(x => x.Name).NotEmpty().MaximumLength(200);
        RuleFor(x => x.Summary).MaximumLength(1000);
        RuleFor(x => x.Description).MaximumLength(10000);
        RuleFor(x => x.ImageUrl).MaximumLength(2048).HttpUrl().WithMessage("'image_url' must be an http(s) URL.");
        RuleFor(x => x.Allocations).NotEmpty().Must(a => a is null || a.Count <= 100).WithMessage("A portfolio has at most 100 projects.");
        RuleForEach(x => x.Allocations).NotNull().WithMessage("Each allocation is an object with 'project_id' and 'fraction'.").ChildRules(a =>
        {
            a.RuleFor(x => x.ProjectId).NotEmpty();
            a.RuleFor(x => x.Fraction).NotNull().GreaterThan(0).LessThanOrEqualTo(1)
                .Must(f => f is null || decimal.Round(f.Value, 6) == f.Value)
                .WithMessage("'fraction' has at most 6 decimal places (parts per million).");
        });
        RuleFor(x => x.Allocations)
            .Must(a => CatalogRules.HasDistinctProjects([.. a!.Select(x => x.ProjectId)]))
            .WithMessage(CatalogRules.DistinctProjects)
            .Must(a => CatalogRules.SumsToOne(a!.Select(x => x.Fraction)))
            .WithMessage(a => CatalogRules.SumMessage(a.Allocations!.Select(x => x.Fraction)))
            .When(x => x.Allocations is { Count: > 0 } && x.Allocations.All(a => a is { Fraction: > 0 and <= 1, ProjectId: not null }));
    }
}

internal sealed class UpdatePortfolioValidator : AbstractValidator<UpdatePortfolioRequest>
{
    public UpdatePortfolioValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(200).When(x => x.Name is not null);
        RuleFor(x => x.Summary).MaximumLength(1000);
        RuleFor(x => x.Description).MaximumLength(10000);
        RuleFor(x => x.ImageUrl).MaximumLength(2048).HttpUrl().WithMessage("'image_url' must be an http(s) URL.");
    }
}

internal sealed class CreateInventoryValidator : AbstractValidator<CreateInventoryRequest>
{
    public CreateInventoryValidator()
    {
        RuleFor(x => x.ProjectId).NotEmpty();
        RuleFor(x => x.Vintage).NotNull().InclusiveBetween(InventoryAdminEndpoints.MinVintage, InventoryAdminEndpoints.MaxVintage);
        RuleFor(x => x.AmountKg).NotNull().GreaterThan(0).LessThanOrEqualTo(Pricing.MaxGrams / Pricing.GramsPerKg)
            .Must(kg => kg is null || decimal.Round(kg.Value, 3) == kg.Value).WithMessage("'amount_kg' has at most 3 decimal places (whole grams).");
        RuleFor(x => x.RegistryName).MaximumLength(200);
        RuleFor(x => x.SerialPrefix).MaximumLength(200);
        RuleFor(x => x.RegistryUrl).MaximumLength(2048).HttpUrl().WithMessage("'registry_url' must be an http(s) URL.")
            .When(x => x.RegistryUrl is not null);
    }
}

/// <summary>The catalogue and inventory: categories, projects, portfolios, credit batches; and the ledger check.</summary>
internal static class CatalogAdminEndpoints
{
    public static RouteGroupBuilder MapCatalogAdmin(this RouteGroupBuilder admin)
    {
        var categories = admin.MapGroup("/project-categories").WithTags("Operator: catalogue");
        categories.MapPost("", CreateCategoryAsync).WithName("AdminCreateCategory").WithSummary("Create a project category")
            .WithJsonBody<CreateCategoryRequest>();
        categories.MapGet("", ListCategoriesAsync).WithName("AdminListCategories").WithSummary("List project categories by id (limit, starting_after)")
            .WithPaging().Produces<PageResponse<CategoryResponse>>();

        var projects = admin.MapGroup("/projects").WithTags("Operator: catalogue");
        projects.MapPost("", CreateProjectAsync).WithName("AdminCreateProject").WithSummary("Create a project")
            .WithJsonBody<CreateProjectRequest>();
        projects.MapGet("", ListProjectsAsync).WithName("AdminListProjects").WithSummary("List projects, newest first (limit, starting_after: a wren_id)")
            .WithPaging().Produces<PageResponse<ProjectResponse>>();
        projects.MapGet("/{id}", GetProjectAsync).WithName("AdminGetProject").WithSummary("Get a project");
        projects.MapPatch("/{id}", UpdateProjectAsync).WithName("AdminUpdateProject").WithSummary("Change a project (fields given are changed)")
            .WithJsonBody<UpdateProjectRequest>();

        var portfolios = admin.MapGroup("/portfolios").WithTags("Operator: catalogue");
        portfolios.MapPost("", CreatePortfolioAsync).WithName("AdminCreatePortfolio").WithSummary("Create a portfolio")
            .WithJsonBody<CreatePortfolioRequest>();
        portfolios.MapGet("", ListPortfoliosAsync).WithName("AdminListPortfolios").WithSummary("List portfolios, newest first (limit, starting_after: a wren_id)")
            .WithPaging().Produces<PageResponse<PortfolioResponse>>();
        portfolios.MapPatch("/{id}", UpdatePortfolioAsync).WithName("AdminUpdatePortfolio").WithSummary("Rename, describe, retire or make a portfolio the default (allocations never change: create a new portfolio)")
            .WithJsonBody<UpdatePortfolioRequest>();

        var inventory = admin.MapGroup("/inventory").WithTags("Operator: inventory");
        inventory.MapPost("", CreateBatchAsync).WithName("AdminAddInventory").WithSummary("Add a batch of credits to inventory")
            .WithJsonBody<CreateInventoryRequest>();

        admin.MapGet("/ledger/check", CheckLedgerAsync).WithTags("Operator: ledger").WithName("AdminLedgerCheck")
            .WithSummary("Prove the ledger's invariants (balanced transactions, cached balances, no negative credits or batches)");
        return admin;
    }

    private static async Task<Results<Created<CategoryResponse>, ValidationProblem, ProblemHttpResult>> CreateCategoryAsync(
        HttpRequest request, CatalogWrites writes, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, Json.SnakeCase, Validators<CreateCategoryValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return OperatorResults.Invalid(body.Errors!);
        var written = await writes.CreateCategoryAsync(new NewCategory(r.Id, r.Name!, r.Description, r.ImageUrl), ct);
        return OperatorResults.From(written, c => TypedResults.Created($"/admin/project-categories/{c.Id}", ToResponse(c)));
    }

    /// <summary>Categories have only their string id as a key: they page on it, in the database's order of strings.</summary>
    private static async Task<Results<Ok<PageResponse<CategoryResponse>>, ValidationProblem>> ListCategoriesAsync(
        HttpRequest request, CanopyDbContext db, CancellationToken ct)
    {
        var page = AdminPage.ParseKey(request.Query, CatalogRules.IsId);
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        var rows = await page.ByKeyAsync(db.ProjectCategories.AsNoTracking(), c => c.Id, descending: false, ct);
        return TypedResults.Ok(page.Page([.. rows.Select(ToResponse)], c => c.Id));
    }

    private static async Task<Results<Created<ProjectResponse>, ValidationProblem, ProblemHttpResult>> CreateProjectAsync(
        HttpRequest request, CatalogWrites writes, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, Json.SnakeCase, Validators<CreateProjectValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return OperatorResults.Invalid(body.Errors!);
        var written = await writes.CreateProjectAsync(new NewProject(r.Id, r.Kind!.Value, ProjectFieldRules.ToFields(r, r.Name, r.Certified, r.Active)), ct);
        return OperatorResults.From(written, p => TypedResults.Created($"/admin/projects/{p.PublicId}", ToResponse(p)));
    }

    /// <summary>
    /// Pages on the internal id (wren_id): the primary key, never changed. The public id is the operator's to choose at
    /// creation, so its order says nothing about age.
    /// </summary>
    private static async Task<Results<Ok<PageResponse<ProjectResponse>>, ValidationProblem>> ListProjectsAsync(
        HttpRequest request, CanopyDbContext db, CancellationToken ct)
    {
        var page = AdminPage.Parse(request.Query);
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        var rows = await page.NewestFirstAsync(db.Projects.AsNoTracking(), p => p.Id, ct);
        return TypedResults.Ok(page.Page([.. rows.Select(ToResponse)], p => p.WrenId));
    }

    private static async Task<Results<Ok<ProjectResponse>, ProblemHttpResult>> GetProjectAsync(string id, CanopyDbContext db, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.PublicId == id, ct);
        return project is null ? OperatorResults.NotFound("project") : TypedResults.Ok(ToResponse(project));
    }

    private static async Task<Results<Ok<ProjectResponse>, ValidationProblem, ProblemHttpResult>> UpdateProjectAsync(
        string id, HttpRequest request, CanopyDbContext db, CatalogWrites writes, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, Json.SnakeCase, Validators<UpdateProjectValidator>.Instance, allowForm: false, ct);
        // An unknown project is a 404 whatever the body.
        if (body.Value is not { } r)
            return await db.Projects.AnyAsync(x => x.PublicId == id, ct) ? OperatorResults.Invalid(body.Errors!) : OperatorResults.NotFound("project");
        var written = await writes.UpdateProjectAsync(id, ProjectFieldRules.ToFields(r, r.Name, r.Certified, r.Active), ct);
        return OperatorResults.From(written, p => TypedResults.Ok(ToResponse(p)));
    }

    private static async Task<Results<Created<PortfolioResponse>, ValidationProblem, ProblemHttpResult>> CreatePortfolioAsync(
        HttpRequest request, CatalogWrites writes, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, Json.SnakeCase, Validators<CreatePortfolioValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return OperatorResults.Invalid(body.Errors!);
        var written = await writes.CreatePortfolioAsync(new NewPortfolio(r.Id, r.Name!, r.Summary, r.Description, r.ImageUrl,
            [.. r.Allocations!.Select(a => new PortfolioShare(a.ProjectId!, a.Fraction!.Value))], r.IsDefault ?? false), ct);
        return OperatorResults.From(written, w => TypedResults.Created($"/admin/portfolios/{w.Portfolio.PublicId}", ToResponse(w.Portfolio, w.Projects)));
    }

    /// <summary>Pages on the internal id (wren_id), like projects; read from the database, not the catalogue cache, so a page is never stale.</summary>
    private static async Task<Results<Ok<PageResponse<PortfolioResponse>>, ValidationProblem>> ListPortfoliosAsync(
        HttpRequest request, CanopyDbContext db, CancellationToken ct)
    {
        var page = AdminPage.Parse(request.Query);
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        var rows = await page.NewestFirstAsync(db.Portfolios.AsNoTracking().Include(p => p.Allocations), p => p.Id, ct);
        var projectIds = rows.SelectMany(p => p.Allocations).Select(a => a.ProjectId).Distinct().ToList();
        var projects = await db.Projects.AsNoTracking().Where(p => projectIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        return TypedResults.Ok(page.Page([.. rows.Select(p => ToResponse(p, projects))], p => p.WrenId));
    }

    private static async Task<Results<Ok<PortfolioResponse>, ValidationProblem, ProblemHttpResult>> UpdatePortfolioAsync(
        string id, HttpRequest request, CanopyDbContext db, CatalogWrites writes, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, Json.SnakeCase, Validators<UpdatePortfolioValidator>.Instance, allowForm: false, ct);
        // An unknown portfolio is a 404 whatever the body.
        if (body.Value is not { } r)
            return await db.Portfolios.AnyAsync(p => p.PublicId == id, ct) ? OperatorResults.Invalid(body.Errors!) : OperatorResults.NotFound("portfolio");
        var written = await writes.UpdatePortfolioAsync(id, new PortfolioChanges(r.Name, r.Summary, r.Description, r.ImageUrl, r.IsDefault, r.Active), ct);
        return OperatorResults.From(written, w => TypedResults.Ok(ToResponse(w.Portfolio, w.Projects)));
    }

    private static async Task<Results<Created<InventoryResponse>, ValidationProblem>> CreateBatchAsync(
        HttpRequest request, InventoryService inventory, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, Json.SnakeCase, Validators<CreateInventoryValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return OperatorResults.Invalid(body.Errors!);
        var added = await inventory.AddBatchAsync(new NewBatch(r.ProjectId!, r.Vintage!.Value, r.AmountKg!.Value, r.RegistryName, r.SerialPrefix, r.RegistryUrl), ct);
        return added.Failure switch
        {
            null => TypedResults.Created($"/admin/inventory/{added.Value!.Batch.Id}", ToResponse(added.Value.Batch, added.Value.ProjectId)),
            WriteFailure.Invalid i => OperatorResults.Invalid(i.Errors),
            _ => throw new UnreachableException("Adding a batch fails only as invalid."),
        };
    }

    private static async Task<Ok<LedgerCheckReport>> CheckLedgerAsync(CanopyDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await LedgerCheck.RunAsync(db, ct));

    private static CategoryResponse ToResponse(ProjectCategory c) => new(c.Id, c.Name, c.Description, c.ImageUrl);

    internal static ProjectResponse ToResponse(Project p) => new(
        p.PublicId, p.Id, p.Name, p.Kind, p.CostPerTonUsdCents, p.CostPerTreeUsdCents, p.Certified, p.CertificationStatus, p.CategoryId,
        p.Type, p.Developer, p.RegistryName, p.RegistryId, p.RegistryUrl, p.Summary, p.Description, p.LocationName, p.LocationLatitude,
        p.LocationLongitude, p.SdgGoalList(), p.ImageUrl, p.Active,
        p.ActivityTypes, p.ImpactType, p.Methodology, p.Verifier, p.Permanence,
        p.LifetimeStartYear is null && p.LifetimeEndYear is null ? null : new LifetimeResponse(p.LifetimeStartYear, p.LifetimeEndYear),
        p.DueDiligence, p.BeyondCarbon, p.RiskOfReversal, p.ThirdPartyLabels, p.NotableBuyers, p.DueDiligenceFigure, p.NewsArticles);

    private static PortfolioResponse ToResponse(Portfolio p, IReadOnlyDictionary<long, Project> projects) => new(
        p.PublicId, p.Id, p.Name, p.Summary, p.Description, p.ImageUrl, p.IsDefault, p.Active,
        [.. p.Allocations.OrderBy(a => a.Position).Select(a => new AllocationResponse(projects[a.ProjectId].PublicId, a.PartsPerMillion / 1_000_000m))]);

    internal static InventoryResponse ToResponse(CreditBatch b, string projectId) => new(
        b.Id, projectId, b.Vintage, b.RegistryName, b.SerialPrefix, b.RegistryUrl, b.GramsIssued / 1000m, b.GramsAvailable / 1000m,
        b.GramsIssued, b.GramsAvailable, b.GramsIssued - b.GramsAvailable, b.CreatedAt);
}
