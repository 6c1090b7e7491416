//! What an error says to a person, in pt-BR, es and en.
//!
//! An error's `code` is stable English for programs; its `message` is for people and is put in
//! the request's language once, where the error becomes a response (`errors::into_response`).
//! The catalog is keyed the way gettext keys it: an error's English text (a template with
//! `{name}` parameters) finds its pt-BR and es texts. An English text the catalog lacks (one
//! built from data) falls back to its code's own words, so a person always reads their own
//! language, if less precisely; a validation reason the catalog lacks keeps its English words
//! after a translated lead-in, since those words name what the person must fix.

use crate::enums::Language;
use std::borrow::Cow;

/// One text in the three languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Texts {
    pub en: &'static str,
    pub pt_br: &'static str,
    pub es: &'static str,
}

impl Texts {
    pub fn get(&self, language: Language) -> &'static str {
        match language {
            Language::PtBr => self.pt_br,
            Language::Es => self.es,
            Language::En => self.en,
        }
    }
}

const fn t(en: &'static str, pt_br: &'static str, es: &'static str) -> Texts {
    Texts { en, pt_br, es }
}

/// A message and its parameters, to be said in any of the three languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    template: Cow<'static, str>,
    args: Vec<(&'static str, String)>,
}

impl Text {
    pub const fn new(template: &'static str) -> Self {
        Text {
            template: Cow::Borrowed(template),
            args: Vec::new(),
        }
    }
    /// Fills `{name}` in the template.
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
    pub fn english(&self) -> String {
        fill(&self.template, &self.args, Language::En)
    }
    /// The text in `language`, when the catalog has it (English always).
    pub fn in_language(&self, language: Language) -> Option<String> {
        if language == Language::En {
            return Some(self.english());
        }
        let entry = MESSAGES.iter().find(|e| e.en == self.template)?;
        Some(fill(entry.get(language), &self.args, language))
    }
    /// As a validation reason: the catalog's words (each of several reasons joined by `; `,
    /// as the password policy lists them), else a translated lead-in and the English.
    pub fn as_reason(&self, language: Language) -> String {
        if let Some(said) = self.in_language(language) {
            return said;
        }
        let english = self.english();
        let parts: Option<Vec<String>> = english
            .split("; ")
            .map(|part| Text::from(part.to_owned()).in_language(language))
            .collect();
        match parts {
            Some(parts) if parts.len() > 1 => parts.join("; "),
            _ => format!("{} ({english})", INVALID_VALUE.get(language)),
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text {
            template: Cow::Owned(text),
            args: Vec::new(),
        }
    }
}

impl From<&'static str> for Text {
    fn from(text: &'static str) -> Self {
        Text::new(text)
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.english()
    }
}

/// A text is written as its English words (logs, CSV import reports).
impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.english())
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

fn fill(template: &str, args: &[(&'static str, String)], language: Language) -> String {
    let mut out = template.to_owned();
    for (name, value) in args {
        // Words of ours (a thing's name, a conversation's state, what was done to it) are said
        // in the language too; data (ids, names, paths) stays as it is.
        let words = match *name {
            "what" => NOUNS,
            "state" => STATES,
            "verb" => VERBS,
            // A reason inside a larger message (`node '<id>': <reason>`).
            "reason" => MESSAGES,
            _ => &[],
        };
        let value = word(words, value, language);
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

fn word<'a>(words: &[Texts], english: &'a str, language: Language) -> &'a str {
    words
        .iter()
        .find(|n| n.en == english)
        .map_or(english, |n| n.get(language))
}

/// The message of `code` in `language`: the code's own words.
pub fn code_says(code: &str, language: Language) -> Option<&'static str> {
    CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, texts)| texts.get(language))
}

/// Said before a validation reason the catalog does not know.
pub const INVALID_VALUE: Texts = t("is not valid", "valor inválido", "valor no válido");

/// The typed validation reasons with parameters (`validate.rs` and the list queries use them).
pub mod reason {
    use super::Text;

    pub const REQUIRED: &str = "is required";
    pub const USE_CURSOR: &str =
        "pages are read with cursor and limit; use the `next` of the previous page";
    pub const NEXT_CURSOR: &str = "use the `next` value of the previous page";
    pub fn at_most_characters(max: usize) -> Text {
        Text::new("must be at most {max} characters").with("max", max)
    }
    pub fn between(min: impl ToString, max: impl ToString) -> Text {
        Text::new("must be between {min} and {max}")
            .with("min", min)
            .with("max", max)
    }
    pub fn one_of(expected: impl ToString) -> Text {
        Text::new("must be one of {expected}").with("expected", expected)
    }
    /// `{what} {id} does not exist`: a reference to nothing.
    pub fn missing(what: &str, id: impl ToString) -> Text {
        Text::new("{what} {id} does not exist")
            .with("what", what)
            .with("id", id)
    }
    /// `{what} {id} is deactivated`: a reference to something switched off.
    pub fn deactivated(what: &str, id: impl ToString) -> Text {
        Text::new("{what} {id} is deactivated")
            .with("what", what)
            .with("id", id)
    }
    pub fn not_valid_here(value: &str) -> Text {
        Text::new("'{value}' is not valid here").with("value", value)
    }
}

/// What every code says when its error has nothing more precise (or the catalog lacks it).
/// Every code the API answers is here (a test reads the sources for them).
pub const CODES: &[(&str, Texts)] = &[
    ("validation_failed", t("the request has invalid fields", "A requisição tem campos inválidos.", "La solicitud tiene campos no válidos.")),
    ("malformed_json", t("the body is not valid JSON", "O corpo da requisição não é um JSON válido.", "El cuerpo de la solicitud no es un JSON válido.")),
    ("malformed_csv", t("the CSV file cannot be read", "O arquivo CSV não pode ser lido.", "El archivo CSV no se puede leer.")),
    ("invalid_encoding", t("the body must be UTF-8", "O corpo da requisição deve estar em UTF-8.", "El cuerpo de la solicitud debe estar en UTF-8.")),
    ("unsupported_media_type", t("this content type is not accepted here", "Este tipo de conteúdo não é aceito aqui.", "Este tipo de contenido no se acepta aquí.")),
    ("payload_too_large", t("the body is too large", "O corpo da requisição é grande demais.", "El cuerpo de la solicitud es demasiado grande.")),
    ("route_not_found", t("there is no such address in the API", "Este endereço não existe na API.", "Esta dirección no existe en la API.")),
    ("method_not_allowed", t("this method is not allowed here", "Este método não é permitido aqui.", "Este método no está permitido aquí.")),
    ("not_found", t("not found", "Não encontrado.", "No encontrado.")),
    ("internal", t("an internal error occurred", "Ocorreu um erro interno.", "Ocurrió un error interno.")),
    ("busy", t("the service is busy; retry shortly", "O serviço está ocupado; tente de novo em instantes.", "El servicio está ocupado; inténtelo de nuevo en un momento.")),
    ("tenant_required", t("no company in the host name, no X-Tenant header and no default tenant", "Nenhuma empresa no nome do host, nenhum cabeçalho X-Tenant e nenhuma empresa padrão.", "Ninguna empresa en el nombre del host, ningún encabezado X-Tenant y ninguna empresa predeterminada.")),
    ("tenant_inactive", t("this company is deactivated", "Esta empresa está desativada.", "Esta empresa está desactivada.")),
    ("tenant_exists", t("this company already exists", "Esta empresa já existe.", "Esta empresa ya existe.")),
    ("invalid_credentials", t("wrong username or password", "Usuário ou senha incorretos.", "Usuario o contraseña incorrectos.")),
    ("too_many_attempts", t("too many failed attempts; try again later", "Tentativas demais sem sucesso; tente de novo mais tarde.", "Demasiados intentos fallidos; inténtelo de nuevo más tarde.")),
    ("user_inactive", t("this user is deactivated", "Este usuário está desativado.", "Este usuario está desactivado.")),
    ("outside_working_hours", t("this user cannot work outside their working hours", "Este usuário não pode trabalhar fora do seu horário de trabalho.", "Este usuario no puede trabajar fuera de su horario laboral.")),
    ("password_change_required", t("change your password first (POST /api/auth/password)", "Troque sua senha primeiro (POST /api/auth/password).", "Cambie su contraseña primero (POST /api/auth/password).")),
    ("unauthenticated", t("you must sign in first", "É preciso entrar primeiro.", "Primero debe iniciar sesión.")),
    ("invalid_token", t("the session is not valid", "A sessão não é válida.", "La sesión no es válida.")),
    ("session_expired", t("the session has expired; log in again", "A sessão expirou; entre de novo.", "La sesión ha caducado; inicie sesión de nuevo.")),
    ("session_revoked", t("the session was revoked; log in again", "A sessão foi revogada; entre de novo.", "La sesión fue revocada; inicie sesión de nuevo.")),
    ("not_a_session", t("API tokens are not sessions", "Tokens de API não são sessões.", "Los tokens de API no son sesiones.")),
    ("forbidden", t("you may not do this", "Você não tem permissão para fazer isto.", "No tiene permiso para hacer esto.")),
    ("insufficient_scope", t("this token's scopes do not allow this request", "Os escopos deste token não permitem esta requisição.", "Los alcances de este token no permiten esta solicitud.")),
    ("platform_api_disabled", t("the platform API is off: set the platform_secret variable", "A API da plataforma está desligada: defina a variável platform_secret.", "La API de la plataforma está apagada: defina la variable platform_secret.")),
    ("tick_disabled", t("set the tick_secret variable to drive the tick over HTTP", "Defina a variável tick_secret para acionar o tick por HTTP.", "Defina la variable tick_secret para activar el tick por HTTP.")),
    ("bad_signature", t("the request signature does not match this channel", "A assinatura da requisição não confere com este canal.", "La firma de la solicitud no coincide con este canal.")),
    ("stale_signature", t("the signed timestamp is too old (or not a time)", "O horário assinado é antigo demais (ou não é um horário).", "La marca de tiempo firmada es demasiado antigua (o no es una hora).")),
    ("verification_failed", t("hub.mode or hub.verify_token does not match", "hub.mode ou hub.verify_token não confere.", "hub.mode o hub.verify_token no coincide.")),
    ("already_exists", t("another item already has this value", "Outro item já tem este valor.", "Otro elemento ya tiene este valor.")),
    ("edit_conflict", t("the item kept changing while this edit was applied; reload and retry", "O item mudou enquanto esta edição era aplicada; recarregue e tente de novo.", "El elemento cambió mientras se aplicaba esta edición; recargue e inténtelo de nuevo.")),
    ("group_inactive", t("the group is not active; activate it or choose another group first", "O grupo não está ativo; ative-o ou escolha outro grupo primeiro.", "El grupo no está activo; actívelo o elija otro grupo primero.")),
    ("group_in_use", t("conversations still come to this group; point them to another group first", "Conversas ainda chegam a este grupo; encaminhe-as para outro grupo primeiro.", "Todavía llegan conversaciones a este grupo; diríjalas a otro grupo primero.")),
    ("username_taken", t("this username is already in use", "Este nome de usuário já está em uso.", "Este nombre de usuario ya está en uso.")),
    ("cannot_deactivate_self", t("you cannot deactivate your own user", "Você não pode desativar o seu próprio usuário.", "No puede desactivar su propio usuario.")),
    ("phone_taken", t("a client with this phone exists", "Já existe um cliente com este telefone.", "Ya existe un cliente con este teléfono.")),
    ("already_created", t("this row already created its client", "Esta linha já criou o seu cliente.", "Esta fila ya creó su cliente.")),
    ("client_inactive", t("this client is deactivated", "Este cliente está desativado.", "Este cliente está desactivado.")),
    ("not_a_member", t("you are not a member of this group", "Você não é membro deste grupo.", "No es miembro de este grupo.")),
    ("active_not_allowed", t("this group does not allow writing first to customers on this channel", "Este grupo não permite escrever primeiro aos clientes neste canal.", "Este grupo no permite escribir primero a los clientes en este canal.")),
    ("receive_only", t("this group only receives messages", "Este grupo apenas recebe mensagens.", "Este grupo solo recibe mensajes.")),
    ("attachment_type_forbidden", t("this group does not allow sending this kind of attachment", "Este grupo não permite enviar este tipo de anexo.", "Este grupo no permite enviar este tipo de adjunto.")),
    ("not_scheduled", t("this message is no longer scheduled", "Esta mensagem não está mais agendada.", "Este mensaje ya no está programado.")),
    ("not_your_customer", t("you can edit the customers you are serving", "Você pode editar os clientes que está atendendo.", "Puede editar los clientes que está atendiendo.")),
    ("not_your_conversation", t("this conversation is assigned to someone else", "Esta conversa está atribuída a outra pessoa.", "Esta conversación está asignada a otra persona.")),
    ("agent_paused", t("You are paused! Do you want to resume?", "Você está em pausa! Deseja retomar?", "¡Está en pausa! ¿Desea reanudar?")),
    ("agent_offline", t("set your status to ready to send messages", "Mude seu status para disponível para enviar mensagens.", "Cambie su estado a disponible para enviar mensajes.")),
    ("agent_unavailable", t("that agent is not available (offline, paused, or already has it)", "Esse agente não está disponível (offline, em pausa ou já está com ela).", "Ese agente no está disponible (desconectado, en pausa o ya la tiene).")),
    ("agent_at_capacity", t("that agent has no room for another conversation", "Esse agente não tem espaço para outra conversa.", "Ese agente no tiene espacio para otra conversación.")),
    ("at_capacity", t("you are at your limit of simultaneous conversations", "Você está no seu limite de conversas simultâneas.", "Está en su límite de conversaciones simultáneas.")),
    ("queue_empty", t("nobody is waiting in this queue", "Ninguém está esperando nesta fila.", "Nadie está esperando en esta cola.")),
    ("conversation_closed", t("this conversation is closed; open a new protocol to write again", "Esta conversa está encerrada; abra um novo protocolo para escrever de novo.", "Esta conversación está cerrada; abra un nuevo protocolo para escribir de nuevo.")),
    ("already_closed", t("this conversation is already closed", "Esta conversa já está encerrada.", "Esta conversación ya está cerrada.")),
    ("already_open", t("this customer already has an open conversation on this channel", "Este cliente já tem uma conversa aberta neste canal.", "Este cliente ya tiene una conversación abierta en este canal.")),
    ("offer_not_accepted", t("accept this conversation's offer first", "Aceite a oferta desta conversa primeiro.", "Acepte primero la oferta de esta conversación.")),
    ("offer_gone", t("this offer is no longer open (accepted, rejected or expired)", "Esta oferta não está mais aberta (aceita, recusada ou expirada).", "Esta oferta ya no está abierta (aceptada, rechazada o caducada).")),
    ("invalid_state", t("the conversation is not in a state that allows this", "A conversa não está num estado que permita isto.", "La conversación no está en un estado que permita esto.")),
    ("not_closed", t("surveys are answered after the close", "Pesquisas são respondidas depois do encerramento.", "Las encuestas se responden después del cierre.")),
    ("resolution_required", t("this group asks whether the matter was resolved before closing", "Este grupo pergunta se o assunto foi resolvido antes de encerrar.", "Este grupo pregunta si el asunto se resolvió antes de cerrar.")),
    ("classification_required", t("this group requires a classification to close", "Este grupo exige uma classificação para encerrar.", "Este grupo exige una clasificación para cerrar.")),
];

/// Messages more precise than their code's, by their English text.
pub const MESSAGES: &[Texts] = &[
    // Requests and routes.
    t(
        "no route for {path}",
        "Não há rota para {path}.",
        "No hay ruta para {path}.",
    ),
    t(
        "{method} is not allowed on {path}",
        "{method} não é permitido em {path}.",
        "{method} no está permitido en {path}.",
    ),
    t(
        "static files are read-only",
        "Arquivos estáticos são somente leitura.",
        "Los archivos estáticos son de solo lectura.",
    ),
    t(
        "expected Content-Type: {expected}",
        "Content-Type esperado: {expected}.",
        "Content-Type esperado: {expected}.",
    ),
    t(
        "the body is larger than {limit} bytes",
        "O corpo da requisição tem mais de {limit} bytes.",
        "El cuerpo de la solicitud tiene más de {limit} bytes.",
    ),
    t(
        "the body is not valid JSON: {detail}",
        "O corpo da requisição não é um JSON válido: {detail}",
        "El cuerpo de la solicitud no es un JSON válido: {detail}",
    ),
    t(
        "the body does not have the expected fields: {detail}",
        "O corpo da requisição não tem os campos esperados: {detail}",
        "El cuerpo de la solicitud no tiene los campos esperados: {detail}",
    ),
    t(
        "{what} not found",
        "Não encontrado: {what}.",
        "No encontrado: {what}.",
    ),
    // Signing in.
    t(
        "too many failed attempts; try again in {seconds} seconds",
        "Tentativas demais sem sucesso; tente de novo em {seconds} segundos.",
        "Demasiados intentos fallidos; inténtelo de nuevo en {seconds} segundos.",
    ),
    t(
        "send Authorization: Bearer <token>",
        "Envie Authorization: Bearer <token>.",
        "Envíe Authorization: Bearer <token>.",
    ),
    t(
        "the token is not valid",
        "O token não é válido.",
        "El token no es válido.",
    ),
    t(
        "API tokens are revoked, not logged out",
        "Tokens de API são revogados, não encerram sessão.",
        "Los tokens de API se revocan, no cierran sesión.",
    ),
    t(
        "API tokens have no password",
        "Tokens de API não têm senha.",
        "Los tokens de API no tienen contraseña.",
    ),
    t(
        "a valid platform secret is required",
        "É preciso um segredo de plataforma válido.",
        "Se requiere un secreto de plataforma válido.",
    ),
    t(
        "a valid tick secret is required",
        "É preciso um segredo de tick válido.",
        "Se requiere un secreto de tick válido.",
    ),
    t(
        "start a chat session first",
        "Inicie uma sessão de chat primeiro.",
        "Inicie una sesión de chat primero.",
    ),
    t(
        "the chat session is not valid",
        "A sessão de chat não é válida.",
        "La sesión de chat no es válida.",
    ),
    t(
        "the chat session has expired",
        "A sessão de chat expirou.",
        "La sesión de chat ha caducado.",
    ),
    t(
        "this contact cannot open conversations",
        "Este contato não pode abrir conversas.",
        "Este contacto no puede abrir conversaciones.",
    ),
    // Permissions.
    t(
        "this action needs the profile {profiles}",
        "Esta ação exige o perfil {profiles}.",
        "Esta acción requiere el perfil {profiles}.",
    ),
    t(
        "only agents and supervisor-agents answer conversations",
        "Apenas agentes e supervisores-agentes atendem conversas.",
        "Solo los agentes y supervisores-agentes atienden conversaciones.",
    ),
    t(
        "this report is for supervisors and admins",
        "Este relatório é para supervisores e administradores.",
        "Este informe es para supervisores y administradores.",
    ),
    t(
        "agents see only their own productivity",
        "Agentes veem apenas a própria produtividade.",
        "Los agentes solo ven su propia productividad.",
    ),
    t(
        "this group is not in an operation you supervise",
        "Este grupo não está numa operação que você supervisiona.",
        "Este grupo no está en una operación que usted supervisa.",
    ),
    t(
        "this conversation is not in the history you may see",
        "Esta conversa não está no histórico que você pode ver.",
        "Esta conversación no está en el historial que puede ver.",
    ),
    // Data-bearing refusals.
    t("this group does not allow writing first to customers on {channel}", "Este grupo não permite escrever primeiro aos clientes em {channel}.", "Este grupo no permite escribir primero a los clientes en {channel}."),
    t("this message is already {status}", "Esta mensagem já está {status}.", "Este mensaje ya está {status}."),
    t("cannot read the header: {detail}", "Não foi possível ler o cabeçalho: {detail}", "No se puede leer el encabezado: {detail}"),
    t("line {line} cannot be read: {detail}", "A linha {line} não pode ser lida: {detail}", "La línea {line} no se puede leer: {detail}"),
    t("this group does not allow sending {kind}", "Este grupo não permite enviar {kind}.", "Este grupo no permite enviar {kind}."),
    t("agent {agent} is not among the agents you may see", "O agente {agent} não está entre os agentes que você pode ver.", "El agente {agent} no está entre los agentes que puede ver."),
    t("this token's scopes do not allow {method} {path}", "Os escopos deste token não permitem {method} {path}.", "Los alcances de este token no permiten {method} {path}."),
    t("another {what} already has {field} '{key}'", "Outro registro ({what}) já tem {field} '{key}'.", "Otro registro ({what}) ya tiene {field} '{key}'."),
    t("group {group} is not active; activate it or choose another group first", "O grupo {group} não está ativo; ative-o ou escolha outro grupo primeiro.", "El grupo {group} no está activo; actívelo o elija otro grupo primero."),
    t("conversations still come to this group from {sources}; point them to another group or deactivate them first", "Conversas ainda chegam a este grupo de {sources}; encaminhe-as para outro grupo ou desative-as primeiro.", "Todavía llegan conversaciones a este grupo desde {sources}; diríjalas a otro grupo o desactívelas primero."),
    t("a client with the phone {phone} exists", "Já existe um cliente com o telefone {phone}.", "Ya existe un cliente con el teléfono {phone}."),
    t("the company '{slug}' exists", "A empresa '{slug}' já existe.", "La empresa '{slug}' ya existe."),
    t("the username '{username}' is already in use", "O nome de usuário '{username}' já está em uso.", "El nombre de usuario '{username}' ya está en uso."),
    t("the conversation is {state}, not with a bot", "A conversa está {state}, não com um bot.", "La conversación está {state}, no con un bot."),
    t("a {state} conversation cannot be {verb}", "Uma conversa {state} não pode ser {verb}.", "Una conversación {state} no puede ser {verb}."),
    // Conversations.
    t(
        "the conversation changed meanwhile",
        "A conversa mudou enquanto isso.",
        "La conversación cambió mientras tanto.",
    ),
    t(
        "the agent is at their limit of simultaneous conversations",
        "O agente está no limite de conversas simultâneas.",
        "El agente está en su límite de conversaciones simultáneas.",
    ),
    t(
        "the agent holding it is at their limit of simultaneous conversations",
        "O agente que a detém está no limite de conversas simultâneas.",
        "El agente que la tiene está en su límite de conversaciones simultáneas.",
    ),
    t(
        "occurrences are recorded on open conversations",
        "Ocorrências são registradas em conversas abertas.",
        "Las ocurrencias se registran en conversaciones abiertas.",
    ),
    // Validation reasons (`validate.rs` and the resources' own checks).
    t("is required", "é obrigatório", "es obligatorio"),
    t(
        "must be at most {max} characters",
        "deve ter no máximo {max} caracteres",
        "debe tener como máximo {max} caracteres",
    ),
    t(
        "must be between {min} and {max}",
        "deve estar entre {min} e {max}",
        "debe estar entre {min} y {max}",
    ),
    t(
        "must be one of {expected}",
        "deve ser um de {expected}",
        "debe ser uno de {expected}",
    ),
    t(
        "'{value}' is not valid here",
        "'{value}' não é válido aqui",
        "'{value}' no es válido aquí",
    ),
    t(
        "is not an e-mail address",
        "não é um endereço de e-mail",
        "no es una dirección de correo electrónico",
    ),
    t(
        "must be greater than 0",
        "deve ser maior que 0",
        "debe ser mayor que 0",
    ),
    t(
        "must be true or false",
        "deve ser true ou false",
        "debe ser true o false",
    ),
    t(
        "must be base64",
        "deve estar em base64",
        "debe estar en base64",
    ),
    t(
        "cannot be in the future",
        "não pode estar no futuro",
        "no puede estar en el futuro",
    ),
    t(
        "cannot be the group itself",
        "não pode ser o próprio grupo",
        "no puede ser el propio grupo",
    ),
    t(
        "pages are read with cursor and limit; use the `next` of the previous page",
        "as páginas são lidas com cursor e limit; use o `next` da página anterior",
        "las páginas se leen con cursor y limit; use el `next` de la página anterior",
    ),
    t(
        "use the `next` value of the previous page",
        "use o valor `next` da página anterior",
        "use el valor `next` de la página anterior",
    ),
    t(
        "must not be before from",
        "não pode ser antes de from",
        "no puede ser anterior a from",
    ),
    t(
        "must be YYYY-MM-DD",
        "deve ser AAAA-MM-DD",
        "debe ser AAAA-MM-DD",
    ),
    t(
        "history covers 1 to 31 days",
        "o histórico cobre de 1 a 31 dias",
        "el historial abarca de 1 a 31 días",
    ),
    t(
        "a pause needs a reason",
        "uma pausa precisa de um motivo",
        "una pausa necesita un motivo",
    ),
    t(
        "only a pause has a reason",
        "só uma pausa tem motivo",
        "solo una pausa tiene motivo",
    ),
    t(
        "send a text or an attachment",
        "envie um texto ou um anexo",
        "envíe un texto o un adjunto",
    ),
    t(
        "a phone or an e-mail is required",
        "é preciso um telefone ou um e-mail",
        "se requiere un teléfono o un correo electrónico",
    ),
    t(
        "a client needs a phone or an e-mail",
        "um cliente precisa de um telefone ou um e-mail",
        "un cliente necesita un teléfono o un correo electrónico",
    ),
    t(
        "must be a phone number of 8 to 15 digits",
        "deve ser um telefone de 8 a 15 dígitos",
        "debe ser un teléfono de 8 a 15 dígitos",
    ),
    t(
        "is not a valid international number",
        "não é um número internacional válido",
        "no es un número internacional válido",
    ),
    t(
        "add the country code with + (e.g. +1...)",
        "inclua o código do país com + (ex.: +55...)",
        "incluya el código del país con + (p. ej. +34...)",
    ),
    t(
        "must be a CPF or CNPJ number",
        "deve ser um número de CPF ou CNPJ",
        "debe ser un número de CPF o CNPJ",
    ),
    t(
        "the CPF check digits do not match",
        "os dígitos verificadores do CPF não conferem",
        "los dígitos de control del CPF no coinciden",
    ),
    t(
        "the CNPJ check digits do not match",
        "os dígitos verificadores do CNPJ não conferem",
        "los dígitos de control del CNPJ no coinciden",
    ),
    t(
        "must be a full URL with a host",
        "deve ser uma URL completa com host",
        "debe ser una URL completa con host",
    ),
    t(
        "must be a JSON object",
        "deve ser um objeto JSON",
        "debe ser un objeto JSON",
    ),
    t(
        "is not an active group",
        "não é um grupo ativo",
        "no es un grupo activo",
    ),
    t(
        "is not an active agent",
        "não é um agente ativo",
        "no es un agente activo",
    ),
    t(
        "is not an active channel",
        "não é um canal ativo",
        "no es un canal activo",
    ),
    t(
        "is not an active tag",
        "não é uma etiqueta ativa",
        "no es una etiqueta activa",
    ),
    t(
        "is not an active article",
        "não é um artigo ativo",
        "no es un artículo activo",
    ),
    t(
        "a group cannot be its own parent",
        "um grupo não pode ser o próprio pai",
        "un grupo no puede ser su propio padre",
    ),
    t(
        "a group does not transfer to itself",
        "um grupo não transfere para si mesmo",
        "un grupo no se transfiere a sí mismo",
    ),
    t(
        "cannot be changed after the user is created",
        "não pode ser alterado depois que o usuário é criado",
        "no se puede cambiar después de crear el usuario",
    ),
    t(
        "the file has no rows",
        "o arquivo não tem linhas",
        "el archivo no tiene filas",
    ),
    t(
        "give at least one word or number to look for",
        "informe ao menos uma palavra ou número para buscar",
        "indique al menos una palabra o número para buscar",
    ),
    t("{what} {id} does not exist", "{what} {id} não existe", "{what} {id} no existe"),
    t("{what} {id} is deactivated", "{what} {id} está desativado(a)", "{what} {id} está desactivado(a)"),
    t("node '{node}': {what} {id} does not exist", "nó '{node}': {what} {id} não existe", "nodo '{node}': {what} {id} no existe"),
    t("node '{node}': {what} {id} is deactivated", "nó '{node}': {what} {id} está desativado(a)", "nodo '{node}': {what} {id} está desactivado(a)"),
    t("at most {max} nodes", "no máximo {max} nós", "como máximo {max} nodos"),
    t("needs {flag} on", "exige {flag} ligado", "requiere {flag} activado"),
    t("is required when {flag} is on", "é obrigatório quando {flag} está ligado", "es obligatorio cuando {flag} está activado"),
    t("unknown column '{column}'", "coluna desconhecida '{column}'", "columna desconocida '{column}'"),
    t("at least one of {values}", "ao menos um de {values}", "al menos uno de {values}"),
    t("'{value}' is not a date YYYY-MM-DD", "'{value}' não é uma data AAAA-MM-DD", "'{value}' no es una fecha AAAA-MM-DD"),
    t("group {group} is not an active group here", "o grupo {group} não é um grupo ativo aqui", "el grupo {group} no es un grupo activo aquí"),
    // The resources' own checks, as each says them.
    t("Brazilian numbers have 10 digits (fixed) or 11 (mobile) with the area code", "números brasileiros têm 10 dígitos (fixo) ou 11 (celular) com o DDD", "los números brasileños tienen 10 dígitos (fijo) u 11 (móvil) con el código de área"),
    t("COUNTRY CODE must be 1 to 3 digits (Brazil is 55)", "o CÓDIGO DO PAÍS deve ter de 1 a 3 dígitos (o Brasil é 55)", "el CÓDIGO DE PAÍS debe tener de 1 a 3 dígitos (Brasil es 55)"),
    t("SendGrid needs verification_key (signed webhooks) or inbound_secret (Basic)", "o SendGrid precisa de verification_key (webhooks assinados) ou inbound_secret (Basic)", "SendGrid necesita verification_key (webhooks firmados) o inbound_secret (Basic)"),
    t("a CPF has 11 digits and a CNPJ 14", "um CPF tem 11 dígitos e um CNPJ 14", "un CPF tiene 11 dígitos y un CNPJ 14"),
    t("a CSAT question needs 2 to 10 options", "uma pergunta CSAT precisa de 2 a 10 opções", "una pregunta CSAT necesita de 2 a 10 opciones"),
    t("a client has a CPF or a CNPJ, never both", "um cliente tem CPF ou CNPJ, nunca os dois", "un cliente tiene CPF o CNPJ, nunca ambos"),
    t("a date as YYYY-MM-DD", "uma data no formato AAAA-MM-DD", "una fecha con el formato AAAA-MM-DD"),
    t("a fixed-line number starts with 2, 3, 4 or 5", "um número fixo começa com 2, 3, 4 ou 5", "un número fijo empieza por 2, 3, 4 o 5"),
    t("a mobile number has 9 as its first digit after the area code", "um celular tem 9 como primeiro dígito depois do DDD", "un móvil tiene 9 como primer dígito después del código de área"),
    t("at least one node (the first is the root)", "ao menos um nó (o primeiro é a raiz)", "al menos un nodo (el primero es la raíz)"),
    t("at least one of bot, agent, supervisor_agent", "ao menos um de bot, agent, supervisor_agent", "al menos uno de bot, agent, supervisor_agent"),
    t("at least one question", "ao menos uma pergunta", "al menos una pregunta"),
    t("at least one weekly window", "ao menos uma janela semanal", "al menos una franja semanal"),
    t("at most 10 options", "no máximo 10 opções", "como máximo 10 opciones"),
    t("at most 10 questions", "no máximo 10 perguntas", "como máximo 10 preguntas"),
    t("at most 1000 ids", "no máximo 1000 ids", "como máximo 1000 ids"),
    t("at most 20 parameters, each 1 to 1024 characters", "no máximo 20 parâmetros, cada um de 1 a 1024 caracteres", "como máximo 20 parámetros, cada uno de 1 a 1024 caracteres"),
    t("at most 200 characters", "no máximo 200 caracteres", "como máximo 200 caracteres"),
    t("at most 30 keywords", "no máximo 30 palavras-chave", "como máximo 30 palabras clave"),
    t("at most 4096 characters", "no máximo 4096 caracteres", "como máximo 4096 caracteres"),
    t("at most 50 windows", "no máximo 50 janelas", "como máximo 50 franjas"),
    t("cannot be changed: client records use it as their key", "não pode ser alterado: os cadastros de clientes o usam como chave", "no se puede cambiar: los registros de clientes lo usan como clave"),
    t("cannot be changed; create another channel", "não pode ser alterado; crie outro canal", "no se puede cambiar; cree otro canal"),
    t("digits are needed", "são necessários dígitos", "se necesitan dígitos"),
    t("expected MESSAGE or MESSAGE_STATUS", "esperado MESSAGE ou MESSAGE_STATUS", "se esperaba MESSAGE o MESSAGE_STATUS"),
    t("invalid tenant", "empresa inválida", "empresa no válida"),
    t("is not a Meta id", "não é um id da Meta", "no es un id de Meta"),
    t("is not a WhatsApp id (8 to 15 digits)", "não é um id do WhatsApp (8 a 15 dígitos)", "no es un id de WhatsApp (8 a 15 dígitos)"),
    t("is not a group this one may transfer to", "não é um grupo para o qual este pode transferir", "no es un grupo al que este pueda transferir"),
    t("is not a user of this company", "não é um usuário desta empresa", "no es un usuario de esta empresa"),
    t("is not an active client attribute", "não é um atributo de cliente ativo", "no es un atributo de cliente activo"),
    t("is not an active occurrence type", "não é um tipo de ocorrência ativo", "no es un tipo de ocurrencia activo"),
    t("is not an active reason (and sub-reason) of the group's classification", "não é um motivo (e submotivo) ativo da classificação do grupo", "no es un motivo (y submotivo) activo de la clasificación del grupo"),
    t("is not base64", "não está em base64", "no está en base64"),
    t("is not one of the active pause reasons", "não é um dos motivos de pausa ativos", "no es uno de los motivos de pausa activos"),
    t("is not the classification of the conversation's group", "não é a classificação do grupo da conversa", "no es la clasificación del grupo de la conversación"),
    t("is not your current password", "não é a sua senha atual", "no es su contraseña actual"),
    t("is required (at most 4096 characters)", "é obrigatório (no máximo 4096 caracteres)", "es obligatorio (como máximo 4096 caracteres)"),
    t("is required (at most 60 characters)", "é obrigatório (no máximo 60 caracteres)", "es obligatorio (como máximo 60 caracteres)"),
    t("is required (at most 64 bytes)", "é obrigatório (no máximo 64 bytes)", "es obligatorio (como máximo 64 bytes)"),
    t("is required for this provider", "é obrigatório para este provedor", "es obligatorio para este proveedor"),
    t("is required with to_group", "é obrigatório com to_group", "es obligatorio con to_group"),
    t("is required, at most 120 characters", "é obrigatório, no máximo 120 caracteres", "es obligatorio, como máximo 120 caracteres"),
    t("is too long", "é longo demais", "es demasiado largo"),
    t("its group has no survey", "o grupo dela não tem pesquisa", "su grupo no tiene encuesta"),
    t("may contain only digits, spaces and + - ( ) .", "pode conter apenas dígitos, espaços e + - ( ) .", "solo puede contener dígitos, espacios y + - ( ) ."),
    t("may contain only letters, digits and . _ - @", "pode conter apenas letras, dígitos e . _ - @", "solo puede contener letras, dígitos y . _ - @"),
    t("must be 1 to 10", "deve ser de 1 a 10", "debe ser de 1 a 10"),
    t("must be 1 to 10080 (a week)", "deve ser de 1 a 10080 (uma semana)", "debe ser de 1 a 10080 (una semana)"),
    t("must be 1 to 1440", "deve ser de 1 a 1440", "debe ser de 1 a 1440"),
    t("must be 1 to 200", "deve ser de 1 a 200", "debe ser de 1 a 200"),
    t("must be 1 to 32 of a-z, 0-9, _ and -", "deve ter de 1 a 32 caracteres entre a-z, 0-9, _ e -", "debe tener de 1 a 32 caracteres entre a-z, 0-9, _ y -"),
    t("must be 1 to 60 of a-z, 0-9 and _", "deve ter de 1 a 60 caracteres entre a-z, 0-9 e _", "debe tener de 1 a 60 caracteres entre a-z, 0-9 y _"),
    t("must be 1 to 99", "deve ser de 1 a 99", "debe ser de 1 a 99"),
    t("must be 16 to 256 characters", "deve ter de 16 a 256 caracteres", "debe tener de 16 a 256 caracteres"),
    t("must be 2 to 40 lower-case letters, digits or inner hyphens", "deve ter de 2 a 40 letras minúsculas, dígitos ou hífens internos", "debe tener de 2 a 40 letras minúsculas, dígitos o guiones internos"),
    t("must be 3 to 64 characters", "deve ter de 3 a 64 caracteres", "debe tener de 3 a 64 caracteres"),
    t("must be 5 to 3600 seconds", "deve ser de 5 a 3600 segundos", "debe ser de 5 a 3600 segundos"),
    t("must be a colour like #1f9d55", "deve ser uma cor como #1f9d55", "debe ser un color como #1f9d55"),
    t("must be a language code such as pt_BR, es or en_US", "deve ser um código de idioma como pt_BR, es ou en_US", "debe ser un código de idioma como pt_BR, es o en_US"),
    t("must be a list", "deve ser uma lista", "debe ser una lista"),
    t("must be a number", "deve ser um número", "debe ser un número"),
    t("must be at most 200 characters", "deve ter no máximo 200 caracteres", "debe tener como máximo 200 caracteres"),
    t("must be at most 2000 characters", "deve ter no máximo 2000 caracteres", "debe tener como máximo 2000 caracteres"),
    t("must be at most 4096 characters", "deve ter no máximo 4096 caracteres", "debe tener como máximo 4096 caracteres"),
    t("must be at most 500 characters", "deve ter no máximo 500 caracteres", "debe tener como máximo 500 caracteres"),
    t("must be between 0 and 100", "deve estar entre 0 e 100", "debe estar entre 0 y 100"),
    t("must be between 0 and 1000", "deve estar entre 0 e 1000", "debe estar entre 0 y 1000"),
    t("must be between 0 and 80", "deve estar entre 0 e 80", "debe estar entre 0 y 80"),
    t("must be created or rejected", "deve ser created ou rejected", "debe ser created o rejected"),
    t("must be the template's name: lowercase letters, digits and _", "deve ser o nome do modelo: letras minúsculas, dígitos e _", "debe ser el nombre de la plantilla: letras minúsculas, dígitos y _"),
    t("must differ from the current password", "deve ser diferente da senha atual", "debe ser distinta de la contraseña actual"),
    t("name at least one id, or send all: true", "informe ao menos um id, ou envie all: true", "indique al menos un id, o envíe all: true"),
    t("needs a classification_id", "precisa de um classification_id", "necesita un classification_id"),
    t("needs a start_bot", "precisa de um start_bot", "necesita un start_bot"),
    t("needs a survey_id", "precisa de um survey_id", "necesita un survey_id"),
    t("needs flags.whatsapp_partner on", "exige flags.whatsapp_partner ligado", "requiere flags.whatsapp_partner activado"),
    t("needs start_bot menu", "exige start_bot menu", "requiere start_bot menu"),
    t("no such client", "cliente inexistente", "no existe ese cliente"),
    t("one of whatsapp, telegram, email, webchat, sms, messenger, instagram", "um de whatsapp, telegram, email, webchat, sms, messenger, instagram", "uno de whatsapp, telegram, email, webchat, sms, messenger, instagram"),
    t("only CSAT questions have options", "só perguntas CSAT têm opções", "solo las preguntas CSAT tienen opciones"),
    t("only with offer_mode accept_reject", "só com offer_mode accept_reject", "solo con offer_mode accept_reject"),
    t("only with the to_group action", "só com a ação to_group", "solo con la acción to_group"),
    t("operations are linked to supervisors and supervisor-agents", "operações são vinculadas a supervisores e supervisores-agentes", "las operaciones se vinculan a supervisores y supervisores-agentes"),
    t("out of range", "fora do intervalo", "fuera de rango"),
    t("send exactly one of text or template", "envie exatamente um de text ou template", "envíe exactamente uno de text o template"),
    t("send exactly one of text, quick_reply or article_id", "envie exatamente um de text, quick_reply ou article_id", "envíe exactamente uno de text, quick_reply o article_id"),
    t("send ids or all, not both", "envie ids ou all, não os dois", "envíe ids o all, no ambos"),
    t("send to_agent_id or to_group_id", "envie to_agent_id ou to_group_id", "envíe to_agent_id o to_group_id"),
    t("sub-reasons have no children", "submotivos não têm filhos", "los submotivos no tienen hijos"),
    t("templates are sent only on WhatsApp, by groups with WhatsApp templates on", "modelos são enviados só no WhatsApp, por grupos com modelos do WhatsApp ligados", "las plantillas se envían solo por WhatsApp, desde grupos con plantillas de WhatsApp activadas"),
    t("the multipart body is malformed", "o corpo multipart está malformado", "el cuerpo multipart está mal formado"),
    t("the parent cannot be one of this group's descendants", "o pai não pode ser um dos descendentes deste grupo", "el padre no puede ser uno de los descendientes de este grupo"),
    t("the sender is missing", "falta o remetente", "falta el remitente"),
    t("the survey has no such question", "a pesquisa não tem essa pergunta", "la encuesta no tiene esa pregunta"),
    t("this group has no classification", "este grupo não tem classificação", "este grupo no tiene clasificación"),
    t("this is a CNPJ; send it as cnpj", "isto é um CNPJ; envie-o como cnpj", "esto es un CNPJ; envíelo como cnpj"),
    t("this is a CPF; send it as cpf", "isto é um CPF; envie-o como cpf", "esto es un CPF; envíelo como cpf"),
    t("node '{node}': {reason}", "nó '{node}': {reason}", "nodo '{node}': {reason}"),
    t("node '{node}' is defined twice", "o nó '{node}' está definido duas vezes", "el nodo '{node}' está definido dos veces"),
    t("node '{node}': 1 to {max} options", "nó '{node}': de 1 a {max} opções", "nodo '{node}': de 1 a {max} opciones"),
    t("node '{node}': option {number} is numbered twice", "nó '{node}': a opção {number} está numerada duas vezes", "nodo '{node}': la opción {number} está numerada dos veces"),
    t("node '{node}': required with action {action}", "nó '{node}': obrigatório com a ação {action}", "nodo '{node}': obligatorio con la acción {action}"),
    t("node '{node}': there is no node '{target}'", "nó '{node}': não existe o nó '{target}'", "nodo '{node}': no existe el nodo '{target}'"),
    t("at most 20 keywords", "no máximo 20 palavras-chave", "como máximo 20 palabras clave"),
    t("keywords have at most 40 characters", "palavras-chave têm no máximo 40 caracteres", "las palabras clave tienen como máximo 40 caracteres"),
    t("only with action node or collect", "só com a ação node ou collect", "solo con la acción node o collect"),
    t("cannot route to the group itself", "não pode encaminhar para o próprio grupo", "no puede dirigir al propio grupo"),
    t("only with action group", "só com a ação group", "solo con la acción group"),
    t("only with action article", "só com a ação article", "solo con la acción article"),
    t("only with action collect", "só com a ação collect", "solo con la acción collect"),
    t("only with action close", "só com a ação close", "solo con la acción close"),
    // The password policy (SPEC §1).
    t(
        "must be longer than 7 characters",
        "deve ter mais de 7 caracteres",
        "debe tener más de 7 caracteres",
    ),
    t(
        "must contain a lower-case letter",
        "deve conter uma letra minúscula",
        "debe contener una letra minúscula",
    ),
    t(
        "must contain an upper-case letter",
        "deve conter uma letra maiúscula",
        "debe contener una letra mayúscula",
    ),
    t(
        "must contain a digit",
        "deve conter um dígito",
        "debe contener un dígito",
    ),
    t(
        "must contain a special character (such as # ! @ $ %)",
        "deve conter um caractere especial (como # ! @ $ %)",
        "debe contener un carácter especial (como # ! @ $ %)",
    ),
    t(
        "must be at most 256 bytes long",
        "deve ter no máximo 256 bytes",
        "debe tener como máximo 256 bytes",
    ),
];

/// A conversation's states, for `{state}` (after "a conversation is").
const STATES: &[Texts] = &[
    t("bot", "com o bot", "con el bot"),
    t("queued", "na fila", "en cola"),
    t("offered", "oferecida", "ofrecida"),
    t("assigned", "atribuída", "asignada"),
    t("pending", "pendente", "pendiente"),
    t("closed", "encerrada", "cerrada"),
];

/// What can be done to a conversation, for `{verb}` (after "cannot be").
const VERBS: &[Texts] = &[
    t("opened", "aberta", "abierta"),
    t(
        "routed to a queue",
        "enviada para uma fila",
        "enviada a una cola",
    ),
    t("offered", "oferecida", "ofrecida"),
    t("assigned", "atribuída", "asignada"),
    t("accepted", "aceita", "aceptada"),
    t("rejected", "recusada", "rechazada"),
    t("expired", "expirada", "caducada"),
    t("transferred", "transferida", "transferida"),
    t("made pending", "deixada pendente", "dejada pendiente"),
    t("resumed", "retomada", "reanudada"),
    t(
        "put back in the queue",
        "devolvida à fila",
        "devuelta a la cola",
    ),
    t("closed", "encerrada", "cerrada"),
];

/// The names of things, for `{what} not found`.
const NOUNS: &[Texts] = &[
    t("resource", "recurso", "recurso"),
    t("user", "usuário", "usuario"),
    t("conversation", "conversa", "conversación"),
    t("client", "cliente", "cliente"),
    t("channel", "canal", "canal"),
    t("attachment", "anexo", "adjunto"),
    t("file", "arquivo", "archivo"),
    t("token", "token", "token"),
    t("import", "importação", "importación"),
    t(
        "import row",
        "linha da importação",
        "fila de la importación",
    ),
    t("active message", "mensagem ativa", "mensaje activo"),
    t("node", "nó", "nodo"),
    t("reason", "motivo", "motivo"),
    t(
        "demo company",
        "empresa de demonstração",
        "empresa de demostración",
    ),
    t("group", "grupo", "grupo"),
    t("article", "artigo", "artículo"),
    t("survey", "pesquisa", "encuesta"),
    t(
        "occurrence_type",
        "tipo de ocorrência",
        "tipo de ocurrencia",
    ),
    t(
        "business_hours",
        "horário de atendimento",
        "horario de atención",
    ),
    t("quick_reply", "resposta rápida", "respuesta rápida"),
    t("tag", "etiqueta", "etiqueta"),
    t("operation", "operação", "operación"),
    t(
        "client_attribute",
        "atributo de cliente",
        "atributo de cliente",
    ),
    t("pause_reason", "motivo de pausa", "motivo de pausa"),
    t("classification", "classificação", "clasificación"),
    t("webhook", "webhook", "webhook"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(s: &str) -> Vec<&str> {
        let mut out: Vec<&str> = s
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn every_code_and_message_is_in_the_three_languages_with_the_same_parameters() {
        let all = CODES
            .iter()
            .map(|(_, t)| t)
            .chain(MESSAGES)
            .chain(NOUNS)
            .chain(STATES)
            .chain(VERBS)
            .chain([&INVALID_VALUE]);
        for texts in all {
            for language in Language::ALL {
                assert!(!texts.get(*language).trim().is_empty(), "{texts:?}");
            }
            assert_eq!(
                placeholders(texts.en),
                placeholders(texts.pt_br),
                "{texts:?}"
            );
            assert_eq!(placeholders(texts.en), placeholders(texts.es), "{texts:?}");
        }
        // Names may be the same word in each language (token, webhook); sentences are not.
        for texts in CODES.iter().map(|(_, t)| t).chain(MESSAGES) {
            assert_ne!(texts.en, texts.pt_br, "{texts:?} is not translated");
            assert_ne!(texts.en, texts.es, "{texts:?} is not translated");
        }
    }

    #[test]
    fn no_code_or_message_is_listed_twice() {
        let mut codes: Vec<&str> = CODES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n);
        let mut messages: Vec<&str> = MESSAGES.iter().map(|t| t.en).collect();
        messages.sort_unstable();
        let n = messages.len();
        messages.dedup();
        assert_eq!(messages.len(), n);
    }

    #[test]
    fn a_text_is_said_with_its_parameters_in_each_language() {
        let text = reason::at_most_characters(80);
        assert_eq!(text.english(), "must be at most 80 characters");
        assert_eq!(
            text.in_language(Language::PtBr).as_deref(),
            Some("deve ter no máximo 80 caracteres")
        );
        let missing = Text::new("{what} not found").with("what", "user");
        assert_eq!(
            missing.in_language(Language::Es).as_deref(),
            Some("No encontrado: usuario.")
        );
        let illegal = Text::new("a {state} conversation cannot be {verb}")
            .with("state", "queued")
            .with("verb", "closed");
        assert_eq!(
            illegal.in_language(Language::PtBr).as_deref(),
            Some("Uma conversa na fila não pode ser encerrada.")
        );
        let unknown = Text::from("must rhyme".to_owned());
        assert_eq!(unknown.in_language(Language::Es), None);
        assert_eq!(
            unknown.as_reason(Language::PtBr),
            "valor inválido (must rhyme)"
        );
    }
}
