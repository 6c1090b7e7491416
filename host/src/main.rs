//! `atende`: runs the whole platform natively (`atende --demo`), or manages tenants
//! (`atende tenant create ...`).

use anyhow::Context;
use atende_host::{App, Config};
use atende_shared::platform::{self, NewAdmin, NewTenant};
use atende_shared::ports::SystemClock;
use atende_shared::{demo, tenant};
use clap::{Args, Parser, Subcommand};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "atende",
    version,
    about = "Atende, the omnichannel contact-center inbox"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: String,
    /// Create the demo company (users admin, supervisor, supagent, agent1..agent4).
    #[arg(long)]
    demo: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct Common {
    /// Directory of the SQLite files.
    #[arg(long, global = true, default_value = "./data")]
    data: PathBuf,
    /// Directory of the static files (console and widget).
    #[arg(long, global = true)]
    web: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Manage companies (tenants).
    #[command(subcommand)]
    Tenant(TenantCommand),
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a company and its first admin.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_username: String,
        #[arg(long)]
        admin_password: String,
        #[arg(long, default_value = "Administrator")]
        admin_name: String,
        #[arg(long)]
        admin_email: Option<String>,
        #[arg(long, default_value = "America/Sao_Paulo")]
        time_zone: String,
    },
    /// List companies.
    List,
}

fn web_root(given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| {
        let here = PathBuf::from("web");
        if here.is_dir() {
            here
        } else {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../web"))
        }
    })
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config {
        data_dir: cli.common.data.clone(),
        web_root: web_root(cli.common.web.clone()),
        variables: HashMap::new(),
    };
    let app = App::open(config, Arc::new(SystemClock))?;
    match cli.command {
        Some(Command::Tenant(cmd)) => run_tenant_command(&app, cmd),
        None => run_server(app, &cli.listen, cli.demo),
    }
}

fn run_tenant_command(app: &App, cmd: TenantCommand) -> anyhow::Result<()> {
    match cmd {
        TenantCommand::Create {
            slug,
            name,
            admin_username,
            admin_password,
            admin_name,
            admin_email,
            time_zone,
        } => {
            let input = NewTenant {
                slug,
                name,
                time_zone: Some(time_zone),
                language: None,
                admin: NewAdmin {
                    username: admin_username,
                    display_name: admin_name,
                    password: admin_password,
                    email: admin_email,
                    must_change_password: Some(false),
                },
            };
            let created = app
                .with_ctx(|ctx| platform::create_tenant(ctx, input))?
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created company '{}' (id {}) with admin '{}'",
                created.tenant.slug, created.tenant.id, created.admin.username
            );
        }
        TenantCommand::List => {
            let tenants = app
                .with_ctx(|ctx| tenant::sql::list(ctx.db))?
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for t in tenants {
                println!(
                    "{}\t{}\t{}\t{}",
                    t.slug,
                    t.name,
                    t.time_zone,
                    t.status.as_str()
                );
            }
        }
    }
    Ok(())
}

fn run_server(app: App, listen: &str, demo: bool) -> anyhow::Result<()> {
    let mut demo_channel = None;
    if demo {
        let created = app
            .with_ctx(demo::seed)?
            .map_err(|e| anyhow::anyhow!("creating the demo company: {e}"))?;
        println!(
            "demo company '{}' {}; log in with any of these users, password {}:",
            demo::TENANT,
            if created { "created" } else { "already exists" },
            demo::PASSWORD
        );
        for (username, name, profile) in demo::USERS {
            println!("  {username:<11} {profile:<17} {name}");
        }
        let workspace = app
            .with_ctx(demo::seed_workspace)?
            .map_err(|e| anyhow::anyhow!("creating the demo workspace: {e}"))?;
        demo_channel = Some(workspace.webchat_channel);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        let addr = listener.local_addr()?;
        println!("Atende is running: open http://{addr}/  (Ctrl-C stops it)");
        if let Some(channel) = demo_channel {
            println!("Chat widget demo: http://{addr}/chat/demo.html?channel={channel}");
        }
        let app = Arc::new(app);
        let background = atende_host::background::Background::start(app.clone())
            .context("starting the scheduler and the delivery workers")?;
        let app_for_checkpoint = app.clone();
        let served = atende_host::server::serve(app, listener, async {
            let _ = tokio::signal::ctrl_c().await;
            println!("stopping: finishing requests in flight");
        })
        .await;
        tokio::task::spawn_blocking(move || background.stop()).await?;
        served?;
        app_for_checkpoint.checkpoint()
    })?;
    println!("stopped; all data is in the data directory");
    Ok(())
}
